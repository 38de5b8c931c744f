"""Realistic generated cases for the demo's local case directory.

Service layer, plain Python. Courts, divisions and judges come from the phone
directory (resources/directory.json), so a looked-up case names a judge the
seat can actually dial. Case numbers follow the national format,
（2026）京0105民初12345号: year, court code (京 + the court's number, e.g. 0105
for 朝阳), case type, serial. People, ID numbers (with a valid check digit),
phones, companies and notes are fictitious.

Generation is deterministic for a seed and a ``now``. Each ``DemoCase`` keeps
the plain password so the demo and tests can play the caller; only its scrypt
hash goes into the ``Case``. Hashing costs ~50 ms per case at the production
parameters: pass a smaller ``hash_n`` for bulk data (tests, benchmarks).
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.cases import SCRYPT_N, Case, CaseStep, Party, hash_password
from app.domain.directory import Directory

# Court number within 京 (最高人民法院 court codes), by directory court code.
COURT_NUMBERS = {
    "bjgy": "", "bj1zy": "01", "bj2zy": "02", "bj3zy": "03", "bj4zy": "04",
    "bjzcfy": "73", "bjtlfy": "7101", "dcfy": "0101", "xcfy": "0102", "cyfy": "0105",
    "ftfy": "0106", "sjsfy": "0107", "hdfy": "0108", "mtgfy": "0109", "fsfy": "0111",
    "tzfy": "0112", "syfy": "0113", "cpfy": "0114", "dxfy": "0115", "hrfy": "0116",
    "pgfy": "0117", "myfy": "0118", "yqfy": "0119",
}

CIVIL_CAUSES = ("民间借贷纠纷", "买卖合同纠纷", "房屋租赁合同纠纷", "机动车交通事故责任纠纷",
                "物业服务合同纠纷", "离婚纠纷", "劳动争议", "信用卡纠纷", "金融借款合同纠纷",
                "继承纠纷", "装饰装修合同纠纷", "网络购物合同纠纷", "健康权纠纷",
                "房屋买卖合同纠纷", "追索劳动报酬纠纷")
CRIMINAL_CAUSES = ("盗窃罪", "诈骗罪", "危险驾驶罪", "帮助信息网络犯罪活动罪", "故意伤害罪")
IP_CAUSES = ("侵害发明专利权纠纷", "侵害实用新型专利权纠纷", "侵害作品信息网络传播权纠纷",
             "侵害商标权纠纷", "不正当竞争纠纷")

# (case type in the number, roles, cause pool, step plan)
_CIVIL_STEPS = ("立案受理", "预交案件受理费", "向被告送达起诉状副本及应诉通知书",
                "举证期限届满", "排期开庭", "开庭审理", "宣判并送达判决书")
_APPEAL_STEPS = ("二审立案", "一审卷宗移送到院", "组成合议庭", "排期开庭", "开庭审理",
                 "宣判并送达判决书")
_RETRIAL_STEPS = ("再审审查立案", "向对方当事人送达再审申请书副本", "组成合议庭审查",
                  "询问当事人", "作出裁定并送达")
_EXEC_STEPS = ("执行立案", "发出执行通知书及报告财产令", "网络查控被执行人财产",
               "冻结、扣划被执行人银行存款", "执行款发放", "执行完毕结案")
_CRIMINAL_STEPS = ("公诉案件立案", "向被告人送达起诉书副本", "排期开庭", "开庭审理",
                   "宣判并送达判决书")
_MEDIATION_STEPS = ("登记诉前调解", "委派特邀调解员", "组织双方调解", "调解结束")

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
_GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
          "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "海燕",
          "晓东", "文博", "子涵", "雨萱", "浩然", "欣怡", "宇航", "佳琪", "俊杰", "淑珍",
          "国庆", "红梅", "建国", "丽娟", "春生", "玉兰", "思远", "梓萱", "一鸣", "立新")
_COMPANY_WORDS = ("华信", "京诚", "天润", "博远", "恒通", "中科", "鑫达", "嘉禾", "远航", "金桥",
                  "汇丰源", "瑞祥", "同创", "安和", "盛世", "新元", "百川", "北辰")
_INDUSTRIES = ("科技", "商贸", "物业管理", "房地产经纪", "建筑工程", "文化传媒", "餐饮管理",
               "汽车销售", "网络技术", "装饰工程", "小额贷款", "信息咨询")
_DISTRICT_ID_CODES = ("110101", "110102", "110105", "110106", "110107", "110108", "110109",
                      "110111", "110112", "110113", "110114", "110115", "110116", "110117",
                      "110118", "110119")
_NOTES = ("合议庭评议倾向支持原告主要诉请，待庭长审核。",
          "被告曾多次来电情绪激动，接待时注意安抚并做好记录。",
          "原告代理律师多次催促开庭，已向庭长汇报。",
          "承办人意见：证据链不完整，拟向原告释明申请鉴定。",
          "被执行人名下登记小型汽车一辆，已查封未扣押，需协调交管部门。",
          "双方有调解意向，被告同意分期还款，下次庭前再组织调解。",
          "本案涉及关联案件，注意与民一庭同类案件裁判尺度统一。",
          "当事人申请延期举证，已口头同意，书面决定待补。")
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I: read over the phone
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_CN_NUMERALS = "一二三四五六七八九十"

# The demo's case directory: how many cases and which seed. The desk seeds its
# store with them (ui/desk/seat_desk.py) and the demo's callers dial from their
# parties' phones (deploy/demo_callers.py), so both must use these two.
DEMO_CASES = 60
DEMO_SEED = 12368


@dataclass(frozen=True)
class DemoCase:
    case: Case
    password: str            # plain, for the demo and tests only; never stored


def id_number_check_digit(first17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


class _People:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used_ids: set[str] = set()
        self.pool: list[Party] = []

    def person(self, role: str) -> Party:
        rng = self.rng
        if self.pool and rng.random() < 0.08:    # some people have several cases
            old = rng.choice(self.pool)
            return Party(role, old.name, old.id_number, old.phone)
        while True:
            born = datetime(1950, 1, 1) + timedelta(days=rng.randrange(0, 18250))
            first17 = (rng.choice(_DISTRICT_ID_CODES) + born.strftime("%Y%m%d")
                       + f"{rng.randrange(1000):03d}")
            id_number = first17 + id_number_check_digit(first17)
            if id_number not in self.used_ids:
                break
        self.used_ids.add(id_number)
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        phone = rng.choice(("13", "15", "18", "17")) + str(rng.randrange(10)) + \
            f"{rng.randrange(10 ** 8):08d}"
        party = Party(role, name, id_number, phone)
        self.pool.append(party)
        return party

    def company(self, role: str) -> Party:
        rng = self.rng
        name = f"北京{rng.choice(_COMPANY_WORDS)}{rng.choice(_INDUSTRIES)}有限公司"
        phone = "010" + f"{rng.randrange(10 ** 8):08d}"
        return Party(role, name, "", phone)


def _kind_for(level: str, division: str) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """(case type, cause pool, steps) for a division, or None if it hears no cases here."""
    if "执行" in division:
        return "执", CIVIL_CAUSES, _EXEC_STEPS
    if "刑" in division:
        return ("刑初" if level == "district" or level == "special" else "刑终",
                CRIMINAL_CAUSES, _CRIMINAL_STEPS)
    if division == "审判监督庭":
        return "民申", CIVIL_CAUSES, _RETRIAL_STEPS
    if division in ("专利审判庭", "著作权审判庭", "商标审判庭"):
        return "知民初", IP_CAUSES, _CIVIL_STEPS
    if division == "立案庭":
        if level == "district":
            return "民诉前调", CIVIL_CAUSES, _MEDIATION_STEPS
        return None
    if level in ("high", "intermediate"):
        return "民终", CIVIL_CAUSES, _APPEAL_STEPS
    return "民初", CIVIL_CAUSES, _CIVIL_STEPS


def _roles(case_type: str) -> tuple[str, str]:
    return {"执": ("申请执行人", "被执行人"), "刑初": ("被害人", "被告人"),
            "刑终": ("被害人", "上诉人（原审被告人）"), "民终": ("上诉人", "被上诉人"),
            "民申": ("再审申请人", "被申请人"), "民诉前调": ("申请人", "被申请人")
            }.get(case_type, ("原告", "被告"))


def _status_stage(case_type: str, steps: tuple[str, ...], done: int) -> tuple[str, str]:
    last = steps[done - 1]
    finished = done == len(steps)
    if case_type == "执":
        return ("已结案" if finished else "执行中"), last
    if case_type == "民诉前调":
        return ("已结束" if finished else "调解中"), last
    return ("已结案" if finished else "审理中"), last


def _office_hours(at: float, seed: int) -> float:
    """The same day, moved into office hours (9:00-17:00): a court's steps are
    recorded at work. Its own generator, so the cases' other fields (and the
    parties' phones the demo callers use) do not change with it."""
    r = random.Random(seed)
    d = datetime.fromtimestamp(at)
    return datetime(d.year, d.month, d.day, r.randrange(9, 17), r.randrange(0, 60)).timestamp()


def generate_demo_cases(directory: Directory, count: int, *, seed: int = 12368,
                        now: float | None = None, hash_n: int = SCRYPT_N) -> list[DemoCase]:
    """``count`` realistic cases spread over the directory's courts and divisions."""
    rng = random.Random(seed)
    now = time.time() if now is None else now
    people = _People(rng)
    slots = []
    for court in directory.courts():
        number = COURT_NUMBERS.get(court.code)
        if number is None:
            continue
        by_division: dict[str, list[str]] = {}
        for e in directory.entries("judge"):
            if e.court == court.code and "庭长" not in e.tags:
                by_division.setdefault(e.division, []).append(e.name)
        for division, judges in by_division.items():
            kind = _kind_for(court.level, division)
            if kind is not None:
                slots.append((court, number, division, judges, kind))
    serials: dict[str, int] = {}
    used_codes: set[str] = set()
    out: list[DemoCase] = []
    for i in range(count):
        court, number, division, judges, (case_type, causes, plan) = rng.choice(slots)
        filed = now - rng.uniform(3, 330) * 86400
        filed = filed - (filed % 60)
        year = datetime.fromtimestamp(filed).year
        key = f"{year}{number}{case_type}"
        serials[key] = serials.get(key, rng.randrange(800, 9000)) + rng.randrange(1, 40)
        case_number = f"（{year}）京{number}{case_type}{serials[key]}号"
        cause = rng.choice(causes)
        first_role, second_role = _roles(case_type)
        parties = [people.person(first_role)]
        if case_type != "刑初" and case_type != "刑终" and rng.random() < 0.35:
            parties.append(people.company(second_role))
        else:
            parties.append(people.person(second_role))
        # How far along the plan the case is, given its age.
        age_days = (now - filed) / 86400
        done = max(1, min(len(plan), int(age_days / 25) + rng.randrange(0, 2)))
        gap = (now - filed) / (done + 1)
        steps = tuple(CaseStep(at=_office_hours(filed + k * gap * rng.uniform(0.7, 1.0), seed + i + k),
                               text=text)
                      for k, text in enumerate(plan[:done]))
        status, stage = _status_stage(case_type, plan, done)
        next_hearing, room = None, ""
        if status in ("审理中",) and "开庭审理" in plan and \
                plan.index("开庭审理") == done:   # scheduled, not yet held
            day = datetime.fromtimestamp(now).date() + timedelta(days=rng.randrange(2, 45))
            hour, minute = rng.choice(((9, 0), (9, 30), (10, 0), (14, 0), (14, 30)))
            next_hearing = datetime(day.year, day.month, day.day, hour, minute).timestamp()
            room = f"第{_CN_NUMERALS[rng.randrange(10)]}法庭"
        while True:
            code = "".join(rng.choice(_CODE_ALPHABET) for _ in range(10))
            if code not in used_codes:
                used_codes.add(code)
                break
        password = f"{rng.randrange(10 ** 6):06d}"
        case = Case(case_id=str(i + 1), case_number=case_number, court_code=court.code,
                    court_name=court.name, cause=cause, status=status, stage=stage,
                    division=division, judge=rng.choice(judges), filed_at=steps[0].at if steps else filed,
                    next_hearing_at=next_hearing, hearing_room=room, parties=tuple(parties),
                    steps=steps, query_code=code,
                    password_hash=hash_password(password, n=hash_n),
                    internal_notes=rng.choice(_NOTES))
        out.append(DemoCase(case, password))
    return out
