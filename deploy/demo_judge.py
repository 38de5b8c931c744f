"""The demo's consulting judge: answers written questions and consult calls.

In the embedded default nobody sits at the consulting judge's desk, so a seat's
"Ask the consulting judge" page would only ever hear "not signed in". This
module plays the directory's first consulting judge of the main court (8901,
廖鹏) on the demo's Kamailio:

* it REGISTERs the judge's number (:class:`sip.simple.callee.CalleePool`, one
  TCP connection, no pjsua2) and answers every consult question MESSAGE
  (``app.domain.consult.CONTENT_TYPE``) with 200 OK;
* a written question gets an answer MESSAGE after a few seconds (3-8 s by
  default: a judge reading and typing), naming the same ``uid``, with
  ``by`` = the judge's name. The answer is the starter knowledge base's
  article (resources/kb_starter.md) whose question shares the most character
  bigrams with the seat's question, with its category and legal basis; when
  nothing shares enough, a polite "I will call you back within the hour";
* a consult call (INVITE with ``X-Hotline-Consult``, or the caller
  transferred to the judge) rings briefly, is answered, talks a while (no
  media: the seat hears silence) and the judge hangs up. When the call was
  announced by a question of channel ``call``, the judge sends the written
  answer after hanging up, so the seat can save it as an article;
* answers go back to the asking seat (the authenticated From of the question)
  as an authenticated MESSAGE from the judge's account
  (:class:`sip.simple.ua.PresenceUA.send_message`).

Nothing here keeps state beyond memory; :meth:`SimulatedJudge.stop`
unregisters and closes every socket. Each answer is sent on its own short-lived
thread (a send blocks until the final response), so the SIP reader thread is
never held.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from app.domain.consult import (CONTENT_TYPE, AnswerMessage, Channel, ConsultMessageError,
                                ConsultQuestion, QuestionMessage, decode, encode_answer)
from app.domain.knowledge import Article, runs

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
KB_STARTER = ROOT / "resources" / "kb_starter.md"

ANSWER_DELAY_S = (3.0, 8.0)     # reading the question and typing the answer
RING_S = (1.0, 3.0)             # a consult call rings this long before the judge picks up
TALK_S = (20.0, 60.0)           # then talks this long and hangs up
AFTER_CALL_S = (2.0, 4.0)       # the written answer of a consult call, after hanging up
ECHO_QUESTION = 120             # characters of the question echoed in the answer (as the desk)

# A match needs this many shared bigrams covering this share of the question's
# bigrams. Bigrams every hotline question has say nothing about its topic.
MIN_SHARED = 2
MIN_COVER = 0.25
GENERIC = frozenset("""什么 怎么 怎样 可以 需要 哪些 哪个 如何 是否 多久 多长 多少 法院 问题 请问 一下
这个 那个 我们 我的 你们 能否 应该 现在 已经 还能 还是 时候 之后 以后 没有 不是 的话 一个 有关 关于
咨询 法官 当事 事人 来电 电人 他说 她说 么办 能不 不能 会怎 么样 想问 知道""".split())

FALLBACK = ("您好，这个问题需要结合案卷具体情况才能答复，我先查阅相关材料，"
            "一小时内给您回电。如来电人着急，请先记录其联系方式并告知会有专人回复。")
FALLBACK_CATEGORY = ""


def bigrams(text: str) -> set[str]:
    """Every overlapping character pair of each run of Chinese, and each latin
    word or number of two or more characters whole (app.domain.knowledge's
    normalisation: full-width to ASCII, lower case)."""
    out: set[str] = set()
    for run in runs(text):
        if run[0].isascii():
            if len(run) >= 2:
                out.add(run)
        else:
            out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


def load_articles(path: Path = KB_STARTER) -> list[Article]:
    """The starter knowledge base's articles (empty if the file is missing)."""
    from app.services.knowledge_base import parse_markdown
    try:
        return parse_markdown(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        log.warning("demo judge: no knowledge base at %s: %s", path, e)
        return []


class ArticleMatcher:
    """The article whose question (and tags) share the most bigrams with a question."""

    def __init__(self, articles: list[Article]):
        self.articles = list(articles)
        self._keys = [bigrams(a.question + " " + " ".join(a.tags)) - GENERIC for a in self.articles]

    def best(self, question: str) -> tuple[Article, float] | None:
        """(article, share of the question's topical bigrams it covers), or None
        when no article shares at least MIN_SHARED bigrams and MIN_COVER."""
        words = bigrams(question) - GENERIC
        if not words:
            return None
        best: tuple[int, float, int] | None = None    # (shared, cover, index)
        for i, key in enumerate(self._keys):
            shared = len(words & key)
            if shared < MIN_SHARED:
                continue
            cover = shared / len(words)
            cand = (shared, cover, -i)               # ties: the first article wins
            if cover >= MIN_COVER and (best is None or cand > best):
                best = cand
        if best is None:
            return None
        return self.articles[-best[2]], best[1]


def compose_answer(question: ConsultQuestion, matcher: ArticleMatcher, by: str,
                   at: float | None = None) -> AnswerMessage:
    """The judge's answer to ``question``: the closest starter article, else the
    call-back promise. Always fits one MESSAGE (the answer is shortened if not)."""
    at = time.time() if at is None else at
    hit = matcher.best(question.question + " " + question.notes)
    if hit is not None:
        art = hit[0]
        text, category, basis = art.answer, art.category, art.legal_basis
    else:
        text, category, basis = FALLBACK, FALLBACK_CATEGORY, ""
    answer = AnswerMessage(uid=question.uid, answer=text, by=by, answered_at=at,
                           question=question.question[:ECHO_QUESTION], category=category,
                           legal_basis=basis)
    # a long article: cut the answer until the message fits (encode_answer says by how much)
    for _ in range(8):
        try:
            encode_answer(answer)
            return answer
        except ConsultMessageError as e:
            if e.code != "too_long" or len(answer.answer) < 40:
                raise
            cut = max(20, e.excess // 3 + 10)      # UTF-8 Chinese: 3 bytes a character
            answer = AnswerMessage(uid=answer.uid, answer=answer.answer[:-cut].rstrip() + "……",
                                   by=by, answered_at=at, question=answer.question,
                                   category=category, legal_basis=basis)
    encode_answer(answer)
    return answer


@dataclass(frozen=True)
class SentAnswer:
    """One answer the simulated judge sent, and how the server took it."""
    uid: str
    to: str                 # the seat's AOR
    status: int             # final response to the MESSAGE (408: none)
    matched: bool           # taken from a knowledge-base article
    at: float


class SimulatedJudge:
    """One consulting judge on the demo's server (see the module docstring).

    ``server``: a KamailioServer (host, udp_port, tcp_port). Delays and talk
    times are (low, high) ranges in real seconds.
    """

    def __init__(self, server, number: str, name: str, password: str, *, domain: str | None = None,
                 articles: list[Article] | None = None, answer_delay_s=ANSWER_DELAY_S,
                 ring_s=RING_S, talk_s=TALK_S, after_call_s=AFTER_CALL_S, seed: int = 12368):
        from sip.simple.callee import CalleePool
        from sip.simple.ua import PresenceUA
        self.number, self.name = number, name
        self.domain = (domain or server.host).split(":")[0]
        self.matcher = ArticleMatcher(load_articles() if articles is None else articles)
        self.answer_delay_s, self.after_call_s = tuple(answer_delay_s), tuple(after_call_s)
        self._ring_range, self._talk_range = tuple(ring_s), tuple(talk_s)
        self.rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.questions: dict[str, tuple[ConsultQuestion, str]] = {}   # uid -> (question, seat AOR)
        self.sent: list[SentAnswer] = []
        self.calls_answered = 0
        # TCP: closing it ends its reader at once (a UDP reader waits out its poll)
        self.sender = PresenceUA(server.host, server.tcp_port, number, password, transport="tcp",
                                 domain=self.domain, keepalive_interval=None, auto_recover=False,
                                 display_name=name)
        self.callees = CalleePool((server.host, server.tcp_port), [(number, password)],
                                  domain=self.domain, transport="tcp", ring_s=self._ring_s,
                                  talk_s=self._talk_s, on_event=self._on_call,
                                  on_message=self._on_message)

    # ------------------------------------------------------------ timings
    def _uniform(self, span) -> float:
        with self._lock:
            return self.rng.uniform(*span)

    def _ring_s(self, _user: str) -> float:
        return self._uniform(self._ring_range)

    def _talk_s(self, _info) -> float:
        return self._uniform(self._talk_range)

    # ---------------------------------------------------------- life cycle
    def start(self, timeout: float = 10.0) -> bool:
        """Register the judge's number and take calls; True when registered."""
        ok = self.callees.register_all(timeout)
        self.callees.set_accepting(self.number, True)
        return ok

    def registered(self) -> bool:
        return self.callees.registered(self.number)

    def stop(self) -> None:
        self._stop.set()
        for t in list(self._threads):
            t.join(timeout=2)
        for part in (self.callees, self.sender):
            try:
                part.close()
            except Exception as e:  # the demo is ending anyway
                log.info("demo judge: closing: %s", e)

    # ------------------------------------------------------------ requests
    def _on_message(self, _user: str, msg) -> None:
        """A MESSAGE to the judge (reader thread: only bookkeeping here)."""
        if msg.content_type.split(";", 1)[0].strip().lower() != CONTENT_TYPE:
            return
        try:
            got = decode(msg.text())
        except ConsultMessageError as e:
            log.info("demo judge: unreadable consult message: %s", e.message)
            return
        if not isinstance(got, QuestionMessage):
            return
        q = got.question
        from sip.simple.message import parse_name_addr
        seat = parse_name_addr(msg.header("from") or "")[1].split("sip:", 1)[-1].split("@", 1)[0]
        seat = seat.split(";", 1)[0]
        if not seat:
            return
        to = f"sip:{seat}@{self.domain}"
        with self._lock:
            known = q.uid in self.questions
            self.questions[q.uid] = (q, to)
        log.info("demo judge: question %s from %s (%s)", q.uid, seat, q.channel.value)
        if q.channel is Channel.WRITTEN and not known:
            self._later(self._uniform(self.answer_delay_s), q.uid)
        # a consult call's question is answered in writing after the call (_on_call)

    def _on_call(self, event: str, info) -> None:
        if event == "answered":
            with self._lock:
                self.calls_answered += 1
        elif event == "ended" and info.answered and info.consult:
            with self._lock:
                entry = self.questions.get(info.consult)
            if entry is not None and entry[0].channel is Channel.CALL:
                self._later(self._uniform(self.after_call_s), info.consult)

    # ------------------------------------------------------------- answers
    def _later(self, delay: float, uid: str) -> None:
        t = threading.Thread(target=self._answer_after, args=(delay, uid),
                             name=f"demo-judge-{uid[:8]}", daemon=True)
        with self._lock:
            self._threads = [x for x in self._threads if x.is_alive()] + [t]
        t.start()

    def _answer_after(self, delay: float, uid: str) -> None:
        if self._stop.wait(delay):
            return
        with self._lock:
            entry = self.questions.get(uid)
        if entry is None:
            return
        q, to = entry
        try:
            answer = compose_answer(q, self.matcher, self.name)
            matched = answer.answer != FALLBACK
            status, reason = self.sender.send_message(to, encode_answer(answer), CONTENT_TYPE,
                                                      timeout=5.0)
        except Exception as e:  # the demo goes on; the log says why
            log.info("demo judge: answer to %s not sent: %s", uid, e)
            return
        with self._lock:
            self.sent.append(SentAnswer(uid, to, status, matched, time.time()))
        log.info("demo judge: answered %s to %s: %s %s", uid, to, status, reason)
