"""Community life in the demo: notices (one urgent water cut), nearby services, events, a small time bank.

Called once, when the demo community is created. Times are laid out around *today* in the community's time
zone, as the catalog's appointment times are; steps that a later clock would refuse (signing up for an event
that has already started) are skipped rather than failing the seed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.content.notice_templates import STARTERS
from webapp.domain import DomainError
from webapp.domain.life import events, notices, timebank, volunteering
from webapp.domain.life.notice_templates import add_starters
from webapp.domain.privacy.audit import Actor
from webapp.domain.register.community import local_now
from webapp.models import Community, Event, EventKind, LocalService, Notice, PlaceKind, Resident

OFFICE = Actor(type="staff", name="陈静", role="community_worker", channel="demo")


def t(zh_hans: str, zh_hant: str, en: str) -> dict[str, str]:
    return {"zh_Hans": zh_hans, "zh_Hant": zh_hant, "en": en}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


def _week(*pairs: str, closed: tuple[int, ...] = ()) -> list[list[list[str]]]:
    day = [p.split("-") for p in pairs]
    return [[] if n in closed else [list(p) for p in day] for n in range(7)]


PLACES: list[dict[str, Any]] = [
    dict(
        kind=PlaceKind.CLINIC,
        names=t("翠苑社区卫生服务站", "翠苑社區衛生服務站", "Cuiyuan Community Health Station"),
        notes=t(
            "家庭医生、体检、慢病配药",
            "家庭醫師、體檢、慢病配藥",
            "Family doctors, check-ups, repeat medicines",
        ),
        address="文一西路 88 号",
        phone="0571-8888-1201",
        hours=[*([[["08:00", "11:30"], ["13:30", "17:00"]]] * 5), [["08:00", "11:30"]], []],
        serves_elderly=True,
        serves_disabled=True,
        provider_name="翠苑社区卫生服务站",
    ),
    dict(
        kind=PlaceKind.CANTEEN,
        names=t("桂花老年食堂", "桂花長者食堂", "Osmanthus Elderly Canteen"),
        notes=t(
            "60岁以上优惠，可送餐上门",
            "60歲以上優惠，可送餐到府",
            "Discounts from 60; meals delivered home",
        ),
        address="桂花社区 3 幢底层",
        phone="0571-8888-1202",
        hours=_week("10:30-13:00", "16:30-18:30"),
        serves_elderly=True,
        serves_disabled=True,
        accepts_hours=True,
        provider_name="桂花老年食堂",
    ),
    dict(
        kind=PlaceKind.HOUSEKEEPING,
        names=t("安康居家养老服务中心", "安康居家養老服務中心", "Ankang Home Care Centre"),
        notes=t(
            "助浴、助洁、陪同就医",
            "助浴、助潔、陪同就醫",
            "Bathing, cleaning, going to the doctor with you",
        ),
        address="文一西路 102 号",
        phone="0571-8888-1203",
        hours=_week("08:00-18:00", closed=(6,)),
        serves_elderly=True,
        serves_disabled=True,
        accepts_hours=True,
        provider_name="安康居家养老服务中心",
    ),
    dict(
        kind=PlaceKind.PHARMACY,
        names=t("康民24小时药房", "康民24小時藥房", "Kangmin 24-hour Pharmacy"),
        address="古墩路 15 号",
        phone="0571-8888-1204",
        hours=_week("00:00-24:00"),
        serves_elderly=True,
    ),
    dict(
        kind=PlaceKind.SHOP,
        names=t("邻里便利店", "鄰里便利店", "Neighbours' Corner Shop"),
        notes=t("可代收快递", "可代收快遞", "Takes in parcels for you"),
        address="桂花社区东门",
        phone="0571-8888-1205",
        hours=_week("06:30-23:30"),
    ),
    dict(
        kind=PlaceKind.REPAIR,
        names=t("老张家电维修", "老張家電維修", "Zhang's Appliance Repair"),
        notes=t(
            "电视、冰箱、洗衣机，可上门",
            "電視、冰箱、洗衣機，可到府",
            "TVs, fridges, washing machines; home visits",
        ),
        address="桂花社区西门 2 号铺",
        phone="138-0013-8000",
        hours=_week("09:00-18:00", closed=(0,)),
    ),
    dict(
        kind=PlaceKind.SHOP,
        names=t("深夜面馆", "深夜麵館", "Late-night Noodles"),
        address="古墩路 21 号",
        phone="0571-8888-1207",
        hours=_week("18:00-02:00"),
    ),
]

NOTICES = [
    # (titles, bodies, summaries, urgent, first day offset, last day offset or None, buildings?, groups)
    (
        t("2幢明天停水", "2幢明天停水", "Water cut in Building 2 tomorrow"),
        t(
            "因更换水管，2幢明天 9:00 至 15:00 停水。请提前储水。行动不便的老人，社区志愿者会送水上门。",
            "因更換水管，2幢明天 9:00 至 15:00 停水。請提前儲水。行動不便的長者，社區志工會送水到府。",
            "Pipes are being replaced: no water in Building 2 tomorrow from 9:00 to 15:00. Please keep "
            "some water ready. Volunteers will bring water to older residents who find it hard to go out.",
        ),
        t(
            "2幢明天上午9点到下午3点停水。",
            "2幢明天上午9點到下午3點停水。",
            "No water in Building 2 tomorrow, 9 to 3.",
        ),
        True,
        -1,
        2,
        True,
        [],
    ),
    (
        t("免费流感疫苗接种", "免費流感疫苗接種", "Free flu vaccinations"),
        t(
            "60岁以上居民可在社区卫生服务站免费接种流感疫苗，请带身份证。",
            "60歲以上居民可在社區衛生服務站免費接種流感疫苗，請帶身分證。",
            "Residents aged 60 and over can have a free flu vaccination at the health station. "
            "Please bring your ID card.",
        ),
        t(
            "60岁以上免费打流感疫苗。",
            "60歲以上免費打流感疫苗。",
            "Free flu jabs for people aged 60 and over.",
        ),
        False,
        -3,
        14,
        False,
        [],
    ),
    (
        t(
            "80岁以上老人本周免费午餐",
            "80歲以上長者本週免費午餐",
            "Free lunch this week for residents aged 80+",
        ),
        t(
            "桂花老年食堂本周为80岁以上老人提供免费午餐，11点开饭，也可送餐上门。",
            "桂花長者食堂本週為80歲以上長者提供免費午餐，11點開飯，也可送餐到府。",
            "The Osmanthus canteen serves a free lunch this week to residents aged 80 and over, from 11:00. "
            "Meals can be delivered home.",
        ),
        t("80岁以上本周免费午餐。", "80歲以上本週免費午餐。", "Free lunch this week if you are 80 or over."),
        False,
        -1,
        6,
        False,
        ["aged_80"],
    ),
    (
        t("社区办公时间", "社區辦公時間", "Community office hours"),
        t(
            "社区服务中心周一至周六 8:30–17:00 开放，周日休息。",
            "社區服務中心週一至週六 8:30–17:00 開放，週日休息。",
            "The community office is open Monday to Saturday, 8:30 to 17:00, and closed on Sundays.",
        ),
        t("周一到周六，8点半到5点。", "週一到週六，8點半到5點。", "Monday to Saturday, half past 8 to 5."),
        False,
        -30,
        None,
        False,
        [],
    ),
]

PHONE_CLASS = t("智能手机课堂：视频通话", "智慧手機課堂：視訊通話", "Phone class: video calls")
EVENTS = [
    # (kind, titles, place, day offset, hour, minute, minutes, capacity)
    (EventKind.CLASS, PHONE_CLASS, 1, 14, 0, 90, 12),
    (EventKind.ACTIVITY, t("太极拳晨练", "太極拳晨練", "Morning tai chi"), 2, 7, 30, 60, 20),
    (EventKind.ACTIVITY, t("一起包饺子", "一起包餃子", "Making dumplings together"), 3, 10, 0, 120, 4),
    (EventKind.CLASS, t("防诈骗讲座", "防詐騙講座", "Talk: how to spot phone scams"), 5, 15, 0, 60, 40),
]


def seed_life(session: Session, community: Community, sample: Resident | None, today: date) -> None:
    """Notices, directory, events and time bank for the demo community (once, when it is created)."""
    building_2 = next((b.id for b in community.buildings if b.number == 2), None)
    for titles, bodies, summaries, urgent, first, last, in_building_2, groups in NOTICES:
        values = {
            "titles": titles,
            "bodies": bodies,
            "summaries": summaries,
            "urgent": urgent,
            "starts_at": _at(today + timedelta(days=first), 0),
            "ends_at": _at(today + timedelta(days=last), 23, 59) if last is not None else None,
            "building_ids": [building_2] if in_building_2 and building_2 else [],
            "groups": groups,
        }
        notices.save_notice(session, OFFICE, community.id, None, values)
    add_starters(session, OFFICE, community.id, STARTERS)  # the office's usual notices, to start from
    for position, spec in enumerate(PLACES):
        session.add(LocalService(community_id=community.id, position=position, **spec))
    for kind, titles, offset, hour, minute, minutes, capacity in EVENTS:
        starts = _at(today + timedelta(days=offset), hour, minute)
        session.add(
            Event(
                community_id=community.id,
                kind=kind,
                titles=titles,
                place="社区活动室",
                starts_at=starts,
                ends_at=starts + timedelta(minutes=minutes),
                capacity=capacity,
            )
        )
    session.flush()
    people = list(
        session.scalars(select(Resident).where(Resident.community_id == community.id).order_by(Resident.id))
    )
    _seed_reads_and_signups(session, community, people)
    _seed_time_bank(session, community, people, sample, today)


def _seed_reads_and_signups(session: Session, community: Community, people: list[Resident]) -> None:
    urgent = session.scalar(
        select(Notice).where(Notice.community_id == community.id, Notice.urgent.is_(True))
    )
    readers = [p for p in people if urgent and notices.is_for(urgent, p, notices.local_today(p))][::2]
    plan = session.scalars(select(Event).where(Event.community_id == community.id).order_by(Event.id)).all()
    try:
        # Recorded at the desk (a staff actor helping), so that the seed does not count as residents having
        # used Linli today, which would empty the care list.
        for person in readers:
            notices.mark_read(session, OFFICE.helping(person.id), urgent, person, "demo")  # type: ignore[arg-type]
        for n, event in enumerate(plan):
            for person in people[n * 3 : n * 3 + (6 if event.capacity == 4 else 3)]:
                events.signup(session, OFFICE.helping(person.id), event, person, "demo")
    except DomainError:
        return  # the demo's days are past on this clock: leave the rest empty


def _seed_time_bank(
    session: Session, community: Community, people: list[Resident], sample: Resident | None, today: date
) -> None:
    timebank.set_welcome(session, OFFICE, community.id, 4)
    volunteers = [p for p in people[10:24] if p.household_id is not None][:3]
    if sample is not None:
        volunteers.append(sample)
    kinds = ("session_led", "help_given", "event_helped", "session_led")
    for n, person in enumerate(volunteers):
        timebank.open_account(session, OFFICE, person)
        day = local_now(community).date() - timedelta(days=3 + n)  # claims are for days gone by, by the clock
        claim = volunteering.claim(session, OFFICE, person, kinds[n], 2 + n, day, "智能手机课堂")
        if n != 2:  # one claim waits for approval, so the console has something to decide
            volunteering.approve(session, OFFICE, claim)
    canteen = session.scalar(
        select(LocalService).where(
            LocalService.community_id == community.id, LocalService.kind == PlaceKind.CANTEEN
        )
    )
    if volunteers and canteen is not None:
        timebank.spend(session, OFFICE, volunteers[0], canteen, 2)
    for person in volunteers[:2]:
        family = timebank.family_of(session, person)
        if family:
            timebank.give(session, OFFICE, person, family[0], 1)
