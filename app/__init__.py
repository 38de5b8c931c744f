"""Plain-Python core of the 12368 desktop: domain, services and storage.

Nothing under app/ imports Qt or pjsua2 (checked by import-linter in the tests).
"""
