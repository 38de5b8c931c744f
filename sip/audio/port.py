"""The pjmedia-clocked bridge's conference port: an ``AudioMediaPort`` whose two SWIG
director callbacks run on pjmedia's clock thread, the fast copy of its frames through the
``std::vector`` behind ``MediaFrame.buf``, and the safe way to free it (pjmedia 2.15
removes conference ports asynchronously). Used only with ``BridgeTuning(clock="pjmedia")``;
the device clock has no port of its own (it uses slot 0)."""

from __future__ import annotations

import ctypes
import logging
import sys
import time

import pjsua2 as pj

log = logging.getLogger(__name__)

_NONE = pj.PJMEDIA_FRAME_TYPE_NONE
_PTR = ctypes.c_void_p
_PTR_SIZE = ctypes.sizeof(ctypes.c_void_p)


def _vector_ptrs(vec) -> tuple[int, int]:
    """(begin, end) of the std::vector behind a SWIG ByteVector proxy."""
    addr = int(vec.this)
    return (_PTR.from_address(addr).value or 0, _PTR.from_address(addr + _PTR_SIZE).value or 0)


def _ctypes_layout_ok() -> bool:
    try:
        probe = bytes(range(1, 50))
        vec = pj.ByteVector(list(probe))
        b, e = _vector_ptrs(vec)
        if e - b != len(probe) or ctypes.string_at(b, e - b) != probe:
            return False
        vec.resize(4000)
        b, e = _vector_ptrs(vec)
        ctypes.memset(b, 7, 4000)
        return e - b == 4000 and vec[3999] == 7
    except Exception:  # noqa: BLE001
        return False


class _Port(pj.AudioMediaPort):
    """The conference-bridge port. Both callbacks run on pjmedia's clock thread.

    ``live`` False turns both callbacks into no-ops (set by ``_retire_port`` before the
    port leaves the conference; the C++ object itself must outlive the clock's last
    call, see ``_retire_port``)."""

    def __init__(self, core) -> None:
        super().__init__()
        self._core = core
        self.live = True

    def onFrameRequested(self, frame) -> None:  # noqa: N802 - pjsua2 name
        try:
            if not self.live:
                frame.type = _NONE
                frame.size = 0
                return
            self._core.fill_frame(frame)
        except BaseException:  # noqa: BLE001 - must never propagate into C++
            try:
                self._core.cb_errors += 1
                frame.type = _NONE
                frame.size = 0
            except BaseException:  # noqa: BLE001
                pass

    def onFrameReceived(self, frame) -> None:  # noqa: N802 - pjsua2 name
        try:
            if self.live:
                self._core.take_frame(frame)
        except BaseException:  # noqa: BLE001
            try:
                self._core.cb_errors += 1
            except BaseException:  # noqa: BLE001
                pass


# ----------------------------------------------------------------- port retirement
#
# pjmedia 2.15's conference bridge is asynchronous (pjproject #3928): removing a port
# only *queues* the removal, which the clock thread carries out at its next tick. But
# pjsua2's ``~AudioMediaPort`` queues that removal and then frees its pool and the C++
# object (with the SWIG director's pointer to the Python object) at once (pjproject #4200
# deals with it upstream; the 2.15.1 wheel used here still does this). So dropping the last Python reference to a port that
# is in the conference lets the clock thread call onFrameReceived/onFrameRequested (or
# op_remove_port) on freed memory: a tick already under way waits for the GIL inside the
# director while the GUI thread runs the destructor, then calls into the freed object.
# Seen here as heap corruption and segfaults in unrelated threads, about 1 run in 4.
#
# The fix: take the port out of the conference ourselves while the object still lives
# (pjsua_conf_remove_port through ctypes: pjsua2 does not wrap it), wait until the clock
# thread has carried the removal out (the slot's info is gone; it is gone only at the
# start of a tick, so no callback of ours is running or will run), then delete the C++
# object at once, before any other pjsua2 call can reuse the slot (its destructor
# "removes" the stale slot id again, which must not be someone else's port by then).

_REMOVE_WAIT_S = 0.15          # about 7 ticks of a 20 ms clock
_leaked: list = []             # ports we could not retire safely: kept alive, never freed


def _pjsua_remove_fn():
    """``pjsua_conf_remove_port`` from the binding's own shared object, or None."""
    try:
        mod = sys.modules.get("pjsua2._pjsua2") or getattr(pj, "_pjsua2", None)
        path = getattr(mod, "__file__", None)
        if not path:
            return None
        fn = ctypes.CDLL(path).pjsua_conf_remove_port     # CDLL: GIL released in the call
        fn.argtypes = [ctypes.c_int]
        fn.restype = ctypes.c_int
        return fn
    except Exception:  # noqa: BLE001 - not exported (e.g. a Windows .pyd)
        return None


_remove_fn = None
_remove_fn_looked_up = False


def _slot_present(slot: int) -> bool:
    try:
        pj.AudioMedia.getPortInfoFromId(slot)
        return True
    except pj.Error:
        return False
    except Exception:  # noqa: BLE001
        return False


def _wait_slot_gone(slot: int, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while True:
        if not _slot_present(slot):
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.002)              # releases the GIL: the clock thread can tick


def _retire_port(port: _Port) -> None:
    """Take ``port`` out of the conference and free it without a use-after-free.
    GUI (pjsua2) thread only; makes no libHandleEvents call."""
    global _remove_fn, _remove_fn_looked_up
    port.live = False
    try:
        slot = port.getPortId()
    except Exception:  # noqa: BLE001
        slot = -1
    if slot < 0:                       # never added to the conference: plain delete
        _delete_now(port)
        return
    if not _remove_fn_looked_up:
        _remove_fn, _remove_fn_looked_up = _pjsua_remove_fn(), True
    gone = False
    if _remove_fn is not None:
        status = _remove_fn(slot)
        gone = _wait_slot_gone(slot, _REMOVE_WAIT_S)
        if not gone and status == 0:
            # The conference clock is stopped: pjsua closed the idle (null) sound
            # device (sndAutoCloseTime), so the queued removal waits for its next
            # tick. Restart the device the engine uses (the wheel has only the null
            # device) so that the removal is carried out now.
            log.info("audio bridge: conference clock idle; restarting the null device "
                     "to remove port %d", slot)
            try:
                mgr = pj.Endpoint.instance().audDevManager()
                mgr.setNullDev()
            except Exception as exc:  # noqa: BLE001
                log.warning("audio bridge: cannot restart the conference clock: %s", exc)
            gone = _wait_slot_gone(slot, _REMOVE_WAIT_S)
    if gone:
        _delete_now(port)
        return
    # Could not get the port out of the conference in time (or no way to ask): freeing
    # it could crash, so it stays alive, silent, forever (one conference slot).
    log.warning("audio bridge: conference port %d not removed; keeping it (silent)", slot)
    port._core = None                  # the bridge's buffers need not stay alive with it
    try:
        port.__disown__()              # C++ now owns it: the Python object is never freed
    except Exception:  # noqa: BLE001
        pass
    _leaked.append(port)


def _delete_now(port: _Port) -> None:
    """Run the C++ destructor now, whoever else still holds the Python proxy."""
    try:
        type(port).__swig_destroy__(port)     # SWIG delete: disowns, so no double free
    except Exception as exc:  # noqa: BLE001
        log.warning("audio bridge: deleting the port failed: %s", exc)
