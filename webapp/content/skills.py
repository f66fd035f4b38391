"""The ten everyday skills and their lessons, in three languages: the seed of the Skill table.

Written in plain words for someone who has never used a smartphone: one action per step, no jargon, the
button's name in quotes as it appears on screen. Each skill has a simple picture under static/img/lessons/.
"""

from __future__ import annotations

from typing import Any


def t(zh_hans: str, zh_hant: str, en: str) -> dict[str, str]:
    return {"zh_Hans": zh_hans, "zh_Hant": zh_hant, "en": en}


def skill(
    code: str, title: dict[str, str], summary: dict[str, str], *steps: dict[str, str]
) -> dict[str, Any]:
    return {
        "code": code,
        "titles": title,
        "summaries": summary,
        "image": f"{code}.svg",
        "steps": [{"text": s, "image": ""} for s in steps],
    }


SKILLS: list[dict[str, Any]] = [
    skill(
        "scan_qr",
        t("扫二维码", "掃描二維碼", "Scan a QR code"),
        t(
            "用手机相机打开一个二维码。",
            "用手機相機打開一個二維碼。",
            "Open a QR code with your phone camera.",
        ),
        t(
            "打开微信，点右上角的“+”。",
            "打開微信，點右上角的「+」。",
            "Open WeChat and tap “+” at the top right.",
        ),
        t("点“扫一扫”。", "點「掃一掃」。", "Tap “Scan”."),
        t(
            "把方框对准二维码，拿稳不动。",
            "把方框對準二維碼，拿穩不動。",
            "Hold the square over the code and keep still.",
        ),
        t("手机会自己打开页面。", "手機會自己打開頁面。", "The phone opens the page by itself."),
    ),
    skill(
        "video_call",
        t("和家人视频通话", "和家人視訊通話", "Video-call your family"),
        t(
            "在微信里看到家人、听到家人。",
            "在微信裡看到家人、聽到家人。",
            "See and hear your family in WeChat.",
        ),
        t(
            "打开微信，点家人的名字。",
            "打開微信，點家人的名字。",
            "Open WeChat and tap your family member's name.",
        ),
        t(
            "点右下角的“+”，再点“视频通话”。",
            "點右下角的「+」，再點「視訊通話」。",
            "Tap “+” at the bottom right, then “Video call”.",
        ),
        t(
            "等对方接听，把手机举到面前。",
            "等對方接聽，把手機舉到面前。",
            "Wait for them to answer; hold the phone in front of you.",
        ),
        t(
            "说完了，点红色的按钮挂断。",
            "說完了，點紅色的按鈕掛斷。",
            "When you are done, tap the red button to hang up.",
        ),
    ),
    skill(
        "pay_safely",
        t("安全付款", "安全付款", "Pay safely"),
        t(
            "扫码付钱，密码只有自己知道。",
            "掃碼付錢，密碼只有自己知道。",
            "Pay by scanning; only you know the password.",
        ),
        t(
            "在店里，打开微信或支付宝的“扫一扫”。",
            "在店裡，打開微信或支付寶的「掃一掃」。",
            "In the shop, open “Scan” in WeChat or Alipay.",
        ),
        t(
            "扫店家的码，看清店名。",
            "掃店家的碼，看清店名。",
            "Scan the shop's code and check the shop's name.",
        ),
        t("输入金额，再核对一遍。", "輸入金額，再核對一遍。", "Type the amount and check it once more."),
        t(
            "输入支付密码时，用手挡住。不要告诉任何人。",
            "輸入支付密碼時，用手擋住。不要告訴任何人。",
            "Cover the screen when you type your password. Never tell anyone.",
        ),
    ),
    skill(
        "book_hospital",
        t("预约挂号", "預約掛號", "Book a hospital appointment"),
        t(
            "在手机上挂号，不用排长队。",
            "在手機上掛號，不用排長隊。",
            "Book from your phone instead of queueing.",
        ),
        t(
            "打开医院的公众号或小程序。",
            "打開醫院的公眾號或小程式。",
            "Open the hospital's WeChat account or mini-program.",
        ),
        t(
            "点“预约挂号”，选科室。",
            "點「預約掛號」，選科室。",
            "Tap “Book an appointment” and choose the department.",
        ),
        t(
            "选日子和医生，看清时间。",
            "選日子和醫生，看清時間。",
            "Choose the day and the doctor; check the time.",
        ),
        t("确认，记下取号时间。", "確認，記下取號時間。", "Confirm and note when to arrive."),
    ),
    skill(
        "gov_app",
        t("用政务服务App", "用政務服務App", "Use the government service app"),
        t(
            "在手机上办事、查信息。",
            "在手機上辦事、查資訊。",
            "Get things done and look things up on your phone.",
        ),
        t(
            "打开政务服务App，用身份证号登录。",
            "打開政務服務App，用身分證號登入。",
            "Open the government service app and sign in with your ID number.",
        ),
        t(
            "在上方搜索框里写要办的事，比如“养老金”。",
            "在上方搜尋框裡寫要辦的事，例如「養老金」。",
            "Type what you need in the search box, for example “pension”.",
        ),
        t(
            "点结果，按提示一步一步填。",
            "點結果，按提示一步一步填。",
            "Tap the result and fill it in step by step.",
        ),
        t(
            "看不懂就停下，问社区工作人员。",
            "看不懂就停下，問社區工作人員。",
            "If something is unclear, stop and ask the community office.",
        ),
    ),
    skill(
        "spot_scam",
        t("识别诈骗", "識別詐騙", "Spot a scam"),
        t(
            "要钱、要验证码、催得急，就是诈骗。",
            "要錢、要驗證碼、催得急，就是詐騙。",
            "Asking for money or a code, in a hurry: it is a scam.",
        ),
        t(
            "陌生人要你转钱，先挂断。",
            "陌生人要你轉錢，先掛斷。",
            "A stranger asks you to send money: hang up first.",
        ),
        t(
            "任何人要短信验证码，都不给。",
            "任何人要簡訊驗證碼，都不給。",
            "Never give the text-message code to anyone.",
        ),
        t(
            "说“公安”“法院”要你转账，是骗子。",
            "說「公安」「法院」要你轉帳，是騙子。",
            "“Police” or “court” asking for a transfer is a fraud.",
        ),
        t(
            "拿不准，打给家人或拨96110。",
            "拿不準，打給家人或撥96110。",
            "Not sure? Call your family or 96110.",
        ),
    ),
    skill(
        "photo_send",
        t("拍照片发给家人", "拍照片傳給家人", "Take and send a photo"),
        t(
            "拍一张照片，在微信里发出去。",
            "拍一張照片，在微信裡傳出去。",
            "Take a photo and send it in WeChat.",
        ),
        t(
            "打开相机，对准要拍的东西。",
            "打開相機，對準要拍的東西。",
            "Open the camera and point it at what you want.",
        ),
        t("点大大的圆形按钮拍照。", "點大大的圓形按鈕拍照。", "Tap the big round button."),
        t(
            "在微信聊天里点“+”，再点“相册”。",
            "在微信聊天裡點「+」，再點「相簿」。",
            "In a WeChat chat, tap “+”, then “Album”.",
        ),
        t("选照片，点“发送”。", "選照片，點「傳送」。", "Choose the photo and tap “Send”."),
    ),
    skill(
        "ride_app",
        t("用打车软件", "用叫車軟體", "Use a ride or taxi app"),
        t(
            "在手机上叫车，看得到车牌。",
            "在手機上叫車，看得到車牌。",
            "Call a car from your phone and see its plate.",
        ),
        t(
            "打开打车软件，确认上车地点。",
            "打開叫車軟體，確認上車地點。",
            "Open the ride app and check where you are.",
        ),
        t("写下要去的地方。", "寫下要去的地方。", "Type where you want to go."),
        t(
            "点“叫车”，记下车牌号。",
            "點「叫車」，記下車牌號。",
            "Tap “Call a car” and note the plate number.",
        ),
        t(
            "上车前核对车牌，下车后在手机上付款。",
            "上車前核對車牌，下車後在手機上付款。",
            "Check the plate before you get in; pay on the phone after.",
        ),
    ),
    skill(
        "health_record",
        t("查健康码和医保", "查健康碼和醫保", "Check your health code and medical insurance"),
        t(
            "打开医保电子凭证，看看余额和记录。",
            "打開醫保電子憑證，看看餘額和紀錄。",
            "Open your medical insurance card on the phone.",
        ),
        t(
            "在微信或支付宝里搜索“医保电子凭证”。",
            "在微信或支付寶裡搜尋「醫保電子憑證」。",
            "Search for “medical insurance card” in WeChat or Alipay.",
        ),
        t(
            "第一次用要验证身份，按提示做。",
            "第一次用要驗證身分，按提示做。",
            "The first time, confirm who you are as shown.",
        ),
        t(
            "看病买药时，出示这个码。",
            "看病買藥時，出示這個碼。",
            "Show this code at the doctor's or the pharmacy.",
        ),
        t(
            "点“消费记录”，可以查花了多少。",
            "點「消費紀錄」，可以查花了多少。",
            "Tap “Records” to see what was spent.",
        ),
    ),
    skill(
        "use_linli",
        t("使用邻里", "使用鄰里", "Use Linli"),
        t(
            "在自助机或手机上报修、预约、看通知。",
            "在自助機或手機上報修、預約、看通知。",
            "Report, book and read notices at the kiosk or on your phone.",
        ),
        t(
            "在自助机上扫一下您的居民卡。",
            "在自助機上掃一下您的居民卡。",
            "Scan your resident card at the kiosk.",
        ),
        t(
            "点要做的事，比如“报修”。",
            "點要做的事，例如「報修」。",
            "Tap what you want to do, for example “Report a problem”.",
        ),
        t(
            "一次回答一个问题，最后点“发送”。",
            "一次回答一個問題，最後點「送出」。",
            "Answer one question at a time, then tap “Send”.",
        ),
        t(
            "做完了点“结束”，别人看不到您的信息。",
            "做完了點「結束」，別人看不到您的資訊。",
            "Tap “Finish” when done, so no one else sees your details.",
        ),
    ),
]
