"""The demo community's service catalog: what a Zhejiang community office and its partners typically offer."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from webapp.domain.desk.providers import ProviderDetails, add_provider
from webapp.domain.identity.vault import Vault
from webapp.domain.privacy.audit import SYSTEM
from webapp.models import Category, Community, Eligibility, Handler, ProviderKind, ServiceType, Slot


def t(hans: str, hant: str, en: str) -> dict[str, str]:
    return {"zh_Hans": hans, "zh_Hant": hant, "en": en}


def choice(
    qid: str, label: dict[str, str], options: list[tuple[str, dict[str, str]]], required: bool = True
) -> dict[str, Any]:
    return {
        "id": qid,
        "type": "choice",
        "required": required,
        "label": label,
        "options": [{"value": v, "label": lab} for v, lab in options],
    }


WHERE = choice(
    "where",
    t("在哪里？", "在哪裡？", "Where is it?"),
    [
        ("home", t("我家里", "我家裡", "In my home")),
        ("stairs", t("楼道或楼梯", "樓道或樓梯", "Stairway or corridor")),
        ("lift", t("电梯", "電梯", "Lift")),
        ("outside", t("小区公共区域", "社區公共區域", "Outside, in a common area")),
    ],
)
DETAILS = {
    "id": "details",
    "type": "short_text",
    "required": False,
    "label": t("还有什么要说明的？", "還有什麼要說明的？", "Anything else?"),
}
PHOTO = {
    "id": "photo",
    "type": "photo",
    "required": False,
    "label": t("照片", "照片", "A photo"),
}
WHEN = choice(
    "when",
    t("什么时间方便？", "什麼時間方便？", "When suits you?"),
    [
        ("morning", t("上午", "上午", "Morning")),
        ("afternoon", t("下午", "下午", "Afternoon")),
        ("any", t("都可以", "都可以", "Any time")),
    ],
)


def danger(label: dict[str, str]) -> dict[str, Any]:
    """The danger question: "yes" puts the ticket first in every queue, gives it the service's urgent
    deadline and alerts the answering unit's group at once. Each service asks it in its own words (someone
    stuck in the lift, water pouring, a smell of gas); the id stays "urgent" so answers read alike."""
    return {"id": "urgent", "type": "yes_no", "required": True, "danger": True, "label": label}


URGENT = danger(t("是否有危险或很紧急？", "是否有危險或很緊急？", "Is it dangerous or very urgent?"))
LIFT_TRAPPED = danger(t("有人被困在电梯里吗？", "有人被困在電梯裡嗎？", "Is anyone stuck in the lift?"))
WATER_POURING = danger(
    t(
        "水在大量往外冒、关不住吗？",
        "水在大量往外冒、關不住嗎？",
        "Is water pouring out and you cannot stop it?",
    )
)
GAS_SMELL = danger(t("现在还闻得到燃气味吗？", "現在還聞得到燃氣味嗎？", "Can you still smell gas now?"))

CATALOG: list[dict[str, Any]] = [
    dict(
        code="repair-light",
        category=Category.REPAIR,
        icon="repair",
        handler=Handler.PROPERTY,
        deadline_hours=48,
        names=t("灯坏了", "燈壞了", "A light is broken"),
        help=t(
            "楼道灯、路灯、家中电路",
            "樓道燈、路燈、家中電路",
            "Stairway lights, street lights, wiring at home",
        ),
        questions=[WHERE, URGENT, DETAILS, PHOTO],
    ),
    dict(
        code="repair-water",
        category=Category.REPAIR,
        icon="repair",
        handler=Handler.PROPERTY,
        deadline_hours=24,
        names=t("漏水或堵塞", "漏水或堵塞", "A leak or a blocked drain"),
        help=t("水管、马桶、下水道", "水管、馬桶、下水道", "Pipes, toilets, drains"),
        questions=[WHERE, WATER_POURING, DETAILS, PHOTO],
    ),
    dict(
        code="repair-lift",
        category=Category.REPAIR,
        icon="repair",
        handler=Handler.PROPERTY,
        deadline_hours=12,
        names=t("电梯故障", "電梯故障", "The lift is not working"),
        help=t("电梯停运、异响、按钮失灵", "電梯停運、異響、按鈕失靈", "Stopped, strange noise, buttons"),
        questions=[LIFT_TRAPPED, DETAILS],
    ),
    dict(
        code="repair-gas",
        category=Category.REPAIR,
        icon="repair",
        handler=Handler.PROPERTY,
        deadline_hours=4,
        names=t("燃气异味", "燃氣異味", "A smell of gas"),
        help=t(
            "味道很浓：开窗、离开，不要开关电器",
            "味道很濃：開窗、離開，不要開關電器",
            "If strong: open windows, leave, switch nothing on or off",
        ),
        questions=[GAS_SMELL, WHERE, DETAILS],
    ),
    dict(
        code="repair-door",
        category=Category.REPAIR,
        icon="repair",
        handler=Handler.PROPERTY,
        deadline_hours=48,
        names=t("门窗门禁", "門窗門禁", "Doors, windows or entry system"),
        help=t("单元门、门禁、窗户", "單元門、門禁、窗戶", "Building door, entry phone, windows"),
        questions=[WHERE, DETAILS, PHOTO],
    ),
    dict(
        code="complaint-noise",
        category=Category.COMPLAINT,
        icon="bell",
        handler=Handler.OFFICE,
        deadline_hours=72,
        names=t("噪音扰民", "噪音擾民", "Noise"),
        help=t(
            "装修、广场舞、夜间噪音", "裝修、廣場舞、夜間噪音", "Building work, loud music, noise at night"
        ),
        questions=[WHEN, DETAILS],
    ),
    dict(
        code="complaint-clean",
        category=Category.COMPLAINT,
        icon="bell",
        handler=Handler.PROPERTY,
        deadline_hours=48,
        names=t("环境卫生", "環境衛生", "Rubbish or cleanliness"),
        help=t("垃圾、楼道卫生、堆放杂物", "垃圾、樓道衛生、堆放雜物", "Rubbish, dirty stairways, clutter"),
        questions=[WHERE, DETAILS, PHOTO],
    ),
    dict(
        code="suggestion",
        category=Category.COMPLAINT,
        icon="list",
        handler=Handler.OFFICE,
        deadline_hours=168,
        names=t("意见建议", "意見建議", "A suggestion"),
        help=t("您对社区的想法", "您對社區的想法", "Your ideas for the community"),
        questions=[{**DETAILS, "required": True}],
        channels=["phone", "staff", "api"],
    ),
    dict(
        code="elderly-meal",
        category=Category.ELDERLY_CARE,
        icon="heart",
        handler=Handler.PROVIDER,
        provider_name="桂花老年食堂",
        deadline_hours=24,
        eligibility=Eligibility.AGED_60,
        names=t("老年助餐", "長者助餐", "Meals for older people"),
        help=t("食堂就餐或送餐上门", "食堂用餐或送餐到府", "Eat at the canteen or have meals delivered"),
        questions=[
            choice(
                "how",
                t("怎么用餐？", "怎麼用餐？", "How?"),
                [
                    ("canteen", t("到食堂吃", "到食堂吃", "At the canteen")),
                    ("delivery", t("送餐上门", "送餐到府", "Delivered home")),
                ],
            ),
            DETAILS,
        ],
    ),
    dict(
        code="elderly-visit",
        category=Category.ELDERLY_CARE,
        icon="heart",
        handler=Handler.OFFICE,
        deadline_hours=48,
        eligibility=Eligibility.AGED_60,
        names=t("上门探访", "上門探訪", "A home visit"),
        help=t("社工或志愿者上门看望", "社工或志願者上門看望", "A social worker or volunteer visits you"),
        questions=[WHEN, DETAILS],
    ),
    dict(
        code="elderly-bath",
        category=Category.ELDERLY_CARE,
        icon="heart",
        handler=Handler.PROVIDER,
        provider_name="安康居家养老服务中心",
        deadline_hours=72,
        eligibility=Eligibility.AGED_60,
        names=t("助浴助洁", "助浴助潔", "Help with bathing or cleaning"),
        help=t("居家养老上门服务", "居家養老上門服務", "Home-care help at your home"),
        questions=[WHEN, DETAILS],
    ),
    dict(
        code="health-check",
        category=Category.HEALTH,
        icon="calendar",
        handler=Handler.PROVIDER,
        provider_name="翠苑社区卫生服务站",
        deadline_hours=72,
        names=t("健康体检", "健康體檢", "A health check"),
        bring=t(
            "身份证、医保卡；抽血请空腹",
            "身分證、醫保卡；抽血請空腹",
            "Your ID card and medical insurance card; for a blood test, do not eat beforehand",
        ),
        help=t(
            "血压、血糖和年度体检", "血壓、血糖和年度體檢", "Blood pressure, blood sugar and yearly check-up"
        ),
        questions=[
            {
                "id": "slot",
                "type": "slot",
                "required": True,
                "label": t("选一个时间", "選一個時間", "Choose a time"),
            }
        ],
    ),
    dict(
        code="health-doctor",
        category=Category.HEALTH,
        icon="calendar",
        handler=Handler.PROVIDER,
        provider_name="翠苑社区卫生服务站",
        deadline_hours=48,
        eligibility=Eligibility.AGED_60,
        names=t("家庭医生上门", "家庭醫師到府", "Family doctor at home"),
        help=t("行动不便时请家庭医生上门", "行動不便時請家庭醫師到府", "When it is hard for you to go out"),
        questions=[WHEN, DETAILS],
    ),
    dict(
        code="childcare-care",
        category=Category.CHILDCARE,
        icon="user",
        handler=Handler.OFFICE,
        deadline_hours=72,
        names=t("托育服务", "托育服務", "Childcare"),
        help=t(
            "3 岁以下托育和临时照看", "3 歲以下托育和臨時照顧", "Care for under-3s and short-term minding"
        ),
        questions=[
            {
                "id": "children",
                "type": "number",
                "required": True,
                "label": t("几个孩子？", "幾個孩子？", "How many children?"),
            },
            WHEN,
        ],
    ),
    dict(
        code="disability-aid",
        category=Category.DISABILITY_AID,
        icon="user",
        handler=Handler.OFFICE,
        deadline_hours=72,
        eligibility=Eligibility.DISABILITY,
        names=t("助残服务", "身障服務", "Disability aid"),
        help=t(
            "辅具申请、康复和出行帮助",
            "輔具申請、復健和出行協助",
            "Aids, rehabilitation and help getting about",
        ),
        questions=[
            choice(
                "need",
                t("需要什么？", "需要什麼？", "What do you need?"),
                [
                    ("aids", t("辅具", "輔具", "An aid (wheelchair, stick…)")),
                    ("rehab", t("康复", "復健", "Rehabilitation")),
                    ("travel", t("出行", "出行", "Getting about")),
                ],
            ),
            DETAILS,
        ],
    ),
    dict(
        code="benefits-help",
        category=Category.HELP_BENEFITS,
        icon="heart",
        handler=Handler.OFFICE,
        deadline_hours=120,
        names=t("困难帮扶", "困難幫扶", "Help in hard times"),
        help=t(
            "低保、临时救助等咨询", "低收入、臨時救助等諮詢", "Advice on minimum income and emergency help"
        ),
        questions=[DETAILS],
    ),
    dict(
        code="certificate-residence",
        category=Category.CERTIFICATES,
        icon="ticket",
        handler=Handler.OFFICE,
        deadline_hours=72,
        names=t("居住证明", "居住證明", "Proof of residence"),
        help=t("开具在本社区居住的证明", "開立在本社區居住的證明", "A letter that you live here"),
        questions=[
            choice(
                "use",
                t("用途", "用途", "What is it for?"),
                [
                    ("school", t("入学", "入學", "School")),
                    ("work", t("工作", "工作", "Work")),
                    ("other", t("其他", "其他", "Other")),
                ],
            )
        ],
    ),
    dict(
        code="other",
        category=Category.OTHER,
        icon="list",
        handler=Handler.OFFICE,
        deadline_hours=120,
        names=t("其他事项", "其他事項", "Something else"),
        help=t("告诉我们您需要什么", "告訴我們您需要什麼", "Tell us what you need"),
        questions=[WHEN, DETAILS],
    ),
]


HEALTH_STATION = "翠苑社区卫生服务站（社区服务中心一楼）"


# The demo's handling units, as an office records them (kind, contact, phone); service types name them.
PROVIDERS: list[tuple[str, ProviderKind, str, str]] = [
    ("翠苑物业服务中心", ProviderKind.PROPERTY, "周经理", "0571-88861234"),
    ("桂花老年食堂", ProviderKind.CANTEEN, "王师傅", "0571-88862345"),
    ("安康居家养老服务中心", ProviderKind.CARE, "陈主任", "0571-88863456"),
    ("翠苑社区卫生服务站", ProviderKind.CLINIC, "孙医生", "0571-88864567"),
]


def seed_catalog(
    session: Session, community_id: int, today: date | None = None, vault: Vault | None = None
) -> list[ServiceType]:
    """The catalog, its providers (through the same core functions as the console), and for the health check
    two weeks of morning and afternoon times (5 places each)."""
    services = []
    routed: dict[str, list[ServiceType]] = {}
    for position, spec in enumerate(CATALOG):
        spec = dict(spec)
        provider_name = spec.pop("provider_name", None)
        if spec["handler"] == Handler.PROPERTY:
            provider_name = PROVIDERS[0][0]
        service = ServiceType(community_id=community_id, position=position, **spec)
        services.append(service)
        if provider_name:
            routed.setdefault(provider_name, []).append(service)
    session.add_all(services)
    session.flush()
    community = session.get(Community, community_id)
    assert community is not None  # noqa: S101 (the caller's community)
    for name, kind, contact, phone in PROVIDERS:
        add_provider(
            session,
            SYSTEM,
            vault,
            community,
            ProviderDetails(
                name=name,
                kind=kind.value,
                contact_name=contact,
                phone=phone if vault is not None else "",
                service_type_ids=[s.id for s in routed.get(name, [])],
            ),
        )
    if today is not None:
        zone = ZoneInfo("Asia/Shanghai")
        check = next(s for s in services if s.code == "health-check")
        for n in range(1, 15):
            day = today + timedelta(days=n)
            if day.weekday() == 6:  # the station is closed on Sundays
                continue
            for hour in (9, 10, 14, 15):
                starts = datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
                session.add(
                    Slot(
                        service_type_id=check.id,
                        starts_at=starts,
                        minutes=60,
                        place=HEALTH_STATION,
                        capacity=5,
                        booked=0,
                    )
                )
        session.flush()
    return services
