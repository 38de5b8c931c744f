"""Headless SIP peer: a pjsua2 agent in its own process, driven by JSON lines.

``sip.peer.agent`` is the process (``python -m sip.peer.agent``); it imports
pjsua2. ``sip.peer.client`` is the stdlib-only controller (``PeerAgent``) used by
tests and by the demo (echo line, demo caller, third party for transfers).
This package module imports neither, so importing ``sip.peer`` stays cheap.
"""
