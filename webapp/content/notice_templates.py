"""The notices every office writes sooner or later, as starting templates it then edits: the water, the
power and the lift. Dates and times are left as blanks (＿) for the office to fill in each time."""

from __future__ import annotations

from typing import Any

STARTERS: list[dict[str, Any]] = [
    {
        "name": "停水通知",
        "urgent": True,
        "titles": {"zh_Hans": "停水通知", "zh_Hant": "停水通知", "en": "Water supply interruption"},
        "summaries": {
            "zh_Hans": "＿月＿日＿点到＿点停水，请提前储水。",
            "zh_Hant": "＿月＿日＿點到＿點停水，請提前儲水。",
            "en": "No water on __ from __ to __. Please store some water beforehand.",
        },
        "bodies": {
            "zh_Hans": "因供水管道维修，＿月＿日＿点至＿点停止供水。请各位居民提前储水，关好水龙头。"
            "如有困难，请联系社区办公室。",
            "zh_Hant": "因供水管道維修，＿月＿日＿點至＿點停止供水。請各位居民提前儲水，關好水龍頭。"
            "如有困難，請聯繫社區辦公室。",
            "en": "Because of repairs to the water pipes, the water supply stops on __ from __ to __. Please "
            "store water beforehand and close your taps. If this is difficult for you, call the community "
            "office.",
        },
    },
    {
        "name": "停电通知",
        "urgent": True,
        "titles": {"zh_Hans": "停电通知", "zh_Hant": "停電通知", "en": "Power cut"},
        "summaries": {
            "zh_Hans": "＿月＿日＿点到＿点停电，电梯也会停。",
            "zh_Hant": "＿月＿日＿點到＿點停電，電梯也會停。",
            "en": "No power on __ from __ to __. The lifts stop too.",
        },
        "bodies": {
            "zh_Hans": "因电力检修，＿月＿日＿点至＿点停电，电梯同时停运。请提前做好准备，"
            "使用医疗设备的居民请联系社区办公室。",
            "zh_Hant": "因電力檢修，＿月＿日＿點至＿點停電，電梯同時停運。請提前做好準備，"
            "使用醫療設備的居民請聯繫社區辦公室。",
            "en": "Because of maintenance, the power is off on __ from __ to __, and the lifts stop too. "
            "Please prepare beforehand; residents who use medical equipment, please call the community "
            "office.",
        },
    },
    {
        "name": "电梯维保",
        "urgent": False,
        "titles": {"zh_Hans": "电梯维护保养", "zh_Hant": "電梯維護保養", "en": "Lift maintenance"},
        "summaries": {
            "zh_Hans": "＿月＿日＿点到＿点，＿幢电梯保养，暂停使用。",
            "zh_Hant": "＿月＿日＿點到＿點，＿幢電梯保養，暫停使用。",
            "en": "The lift of building __ is out of use on __ from __ to __ for maintenance.",
        },
        "bodies": {
            "zh_Hans": "＿月＿日＿点至＿点，＿幢电梯进行例行维护保养，暂停使用。行动不便的居民如需帮助，"
            "请联系社区办公室。",
            "zh_Hant": "＿月＿日＿點至＿點，＿幢電梯進行例行維護保養，暫停使用。行動不便的居民如需幫助，"
            "請聯繫社區辦公室。",
            "en": "The lift of building __ has its regular maintenance on __ from __ to __ and cannot be "
            "used. Residents who find stairs hard and need help, please call the community office.",
        },
    },
]
