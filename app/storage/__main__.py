"""``python -m app.storage postgresql://OWNER@HOST/DATABASE``: create or upgrade
the shared store with the owner's account (see ``app.storage.db.main`` and
docs/shared_store.md)."""
from app.storage.db import main

raise SystemExit(main())
