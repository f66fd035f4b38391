"""Spot the scam: messages and calls of the kinds older residents really receive, each with why it is (or is
not) a scam. Names, numbers and links are made up; the tell-tale signs are the real ones (urgency, secrecy,
a code or a transfer asked for, an authority that would never ask this way)."""

from __future__ import annotations

from typing import Any

from webapp.content.skills import t


def item(kind: str, scam: bool, text: dict[str, str], why: dict[str, str]) -> dict[str, Any]:
    return {"kind": kind, "scam": scam, "text": text, "why": why}


SCAMS: list[dict[str, Any]] = [
    item(
        "call",
        True,
        t(
            "“我是公安局的，你的银行卡涉嫌洗钱，马上把钱转到安全账户。”",
            "「我是公安局的，你的銀行卡涉嫌洗錢，馬上把錢轉到安全帳戶。」",
            "“Police here. Your card is linked to money laundering. Move your money to a safe account now.”",
        ),
        t(
            "公安不会打电话让你转账，没有“安全账户”。",
            "公安不會打電話讓你轉帳，沒有「安全帳戶」。",
            "The police never ask you to move money by phone. There is no “safe account”.",
        ),
    ),
    item(
        "sms",
        True,
        t(
            "【医保中心】您的医保卡将被冻结，请点击 yb-gov.cc 验证。",
            "【醫保中心】您的醫保卡將被凍結，請點擊 yb-gov.cc 驗證。",
            "[Health insurance] Your card will be frozen. Click yb-gov.cc to verify.",
        ),
        t(
            "陌生链接，吓你“冻结”，要你点开：是诈骗。",
            "陌生連結，嚇你「凍結」，要你點開：是詐騙。",
            "A strange link and a threat of “freezing” to make you click: a scam.",
        ),
    ),
    item(
        "call",
        True,
        t(
            "“奶奶，我是您孙子，出了车祸，别告诉爸妈，快给我转两万。”",
            "「奶奶，我是您孫子，出了車禍，別告訴爸媽，快給我轉兩萬。」",
            "“Grandma, it's your grandson. I had an accident. Don't tell Mum and Dad, send me 20,000 now.”",
        ),
        t(
            "要钱、要保密、很着急。挂断，打给家人核实。",
            "要錢、要保密、很著急。掛斷，打給家人核實。",
            "Money, secrecy and hurry. Hang up and call your family to check.",
        ),
    ),
    item(
        "sms",
        True,
        t(
            "您的验证码是 482913，请告诉客服人员以领取养老补贴。",
            "您的驗證碼是 482913，請告訴客服人員以領取養老補貼。",
            "Your code is 482913. Tell our agent to receive your pension bonus.",
        ),
        t(
            "验证码谁都不能给，领补贴不需要告诉别人验证码。",
            "驗證碼誰都不能給，領補貼不需要告訴別人驗證碼。",
            "Never give a code to anyone. No benefit needs you to tell someone a code.",
        ),
    ),
    item(
        "call",
        True,
        t(
            "“您中了保健品抽奖一等奖，先交500元手续费就寄给您。”",
            "「您中了保健品抽獎一等獎，先交500元手續費就寄給您。」",
            "“You won first prize in our health-product draw. Pay a 500 yuan fee and we will post it.”",
        ),
        t(
            "没参加的抽奖不会中奖，先交钱就是骗。",
            "沒參加的抽獎不會中獎，先交錢就是騙。",
            "You cannot win a draw you never entered. Paying first is a trick.",
        ),
    ),
    item(
        "chat",
        True,
        t(
            "“我是你的老同事老李，换了新微信，借我3000元周转一下。”",
            "「我是你的老同事老李，換了新微信，借我3000元周轉一下。」",
            "“It's your old colleague Li, on a new WeChat. Lend me 3,000 for a few days.”",
        ),
        t(
            "“换了新号”又借钱，先打电话给他本人核实。",
            "「換了新號」又借錢，先打電話給他本人核實。",
            "A “new account” asking for money: call the person on their old number first.",
        ),
    ),
    item(
        "sms",
        True,
        t(
            "您的快递丢失，我们将三倍赔偿，请加QQ群办理退款。",
            "您的快遞遺失，我們將三倍賠償，請加QQ群辦理退款。",
            "Your parcel is lost. We will pay you back three times. Join this chat group for the refund.",
        ),
        t(
            "退款不用进群，也不用你转钱“激活”。",
            "退款不用進群，也不用你轉錢「啟用」。",
            "A refund never needs a chat group or money from you to “activate” it.",
        ),
    ),
    item(
        "call",
        True,
        t(
            "“投资养老项目，每月返利10%，稳赚不赔，名额有限。”",
            "「投資養老項目，每月返利10%，穩賺不賠，名額有限。」",
            "“Invest in our retirement project: 10% back every month, no risk, few places left.”",
        ),
        t(
            "“稳赚不赔”“高回报”都是骗人的。",
            "「穩賺不賠」「高回報」都是騙人的。",
            "“No risk” with high returns is always a lie.",
        ),
    ),
    item(
        "sms",
        False,
        t(
            "【桂花社区】明天上午9点在活动室有智能手机课，欢迎参加。",
            "【桂花社區】明天上午9點在活動室有智慧手機課，歡迎參加。",
            "[Guihua community] Smartphone class tomorrow 9am in the activity room. All welcome.",
        ),
        t(
            "只是通知，不要钱、不要密码、没有链接。",
            "只是通知，不要錢、不要密碼、沒有連結。",
            "Just a notice: no money, no password, no link.",
        ),
    ),
    item(
        "call",
        False,
        t(
            "女儿用她平时的号码打来：“妈，周末我回来吃饭。”",
            "女兒用她平時的號碼打來：「媽，週末我回來吃飯。」",
            "Your daughter calls from her usual number: “Mum, I'll come for dinner at the weekend.”",
        ),
        t(
            "熟悉的号码和声音，也没有要钱。",
            "熟悉的號碼和聲音，也沒有要錢。",
            "A number and voice you know, and no money asked for.",
        ),
    ),
    item(
        "sms",
        False,
        t(
            "【医院】您预约的3月5日上午内科门诊，请带医保卡按时就诊。",
            "【醫院】您預約的3月5日上午內科門診，請帶醫保卡按時就診。",
            "[Hospital] Your appointment: internal medicine, 5 March morning. Bring your insurance card.",
        ),
        t(
            "是您自己约的号，只是提醒，不要钱也没有链接。",
            "是您自己約的號，只是提醒，不要錢也沒有連結。",
            "You booked it yourself; it is a reminder with no money and no link.",
        ),
    ),
    item(
        "chat",
        True,
        t(
            "“社区发放老年补贴，扫这个码填银行卡号和密码。”",
            "「社區發放老年補貼，掃這個碼填銀行卡號和密碼。」",
            "“The community gives out senior allowances. Scan this code and enter your card and PIN.”",
        ),
        t(
            "任何补贴都不会要银行卡密码。去社区办公室问。",
            "任何補貼都不會要銀行卡密碼。去社區辦公室問。",
            "No allowance ever needs your card's PIN. Ask at the community office.",
        ),
    ),
]

PASS_MARK = 10  # of 12: the skill counts as done "on my own"
