"""Entry point of the packaged desk (PyInstaller, build_installer.spec).

In a frozen app ``sys.executable`` is the desk itself, so the helper processes
the app starts with it arrive here and are handed over before Qt loads:

- the headless SIP peer that the demo and ``--self-test`` spawn as
  ``sys.executable -m sip.peer.agent`` (sip/peer/client.py);
- the wallboard's presence watcher, ``sys.executable --presence-watcher``
  (sip/simple/watcher.py: standard library only, so without Qt the child is
  about half the memory and starts sooner).
"""
import sys


def _run() -> int:
    argv = sys.argv[1:]
    if argv[:2] == ["-m", "sip.peer.agent"] or argv[:1] == ["--peer-agent"]:
        from sip.peer import agent
        return agent.main(argv[2:] if argv[0] == "-m" else argv[1:])
    if argv[:1] == ["--presence-watcher"]:
        from sip.simple import watcher
        return watcher.main(argv[1:])
    from ui.main import main
    return main(argv)


if __name__ == "__main__":
    sys.exit(_run())
