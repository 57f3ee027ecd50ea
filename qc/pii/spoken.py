"""Names and home addresses in the patterns callers say them in.

Names: "我叫张伟", "我的名字叫…", "姓名刘志强", "我姓王" / "免贵姓王" (the surname alone), "my name is David
Chen"; "我是王秀英，…" and "我是李小红的妈妈" (a name, then a pause or a relation); "我老公叫赵国强", "经理叫
孙海峰" (a person, then 叫); "老王" (老 and a surname, then a verb or a pause); a surname spelt out by its
parts ("弓长张", "两点水一个马的冯", "草頭黃": the surname itself is the finding); and then every later
"王先生", "李女士", "张伟" in the call, by either speaker. Addresses: after "我住在",
"家住", "地址是" up to the last place word of the clause and on through the clauses that go on naming
places ("阳光花园小区，12号楼2单元，602"), and without a trigger only when they are precise enough to
find a household: a road with a house number ("解放路45号") or a building with a unit or a room
("12号楼2单元602"). A road, a junction or an estate on its own is where a problem is, not who called.
Findings are in the (normalised) text's coordinates.
"""

from __future__ import annotations

import re

from qc.pii.address_en import find_english_addresses
from qc.pii.kinds import Hit

_SURNAMES_SIMPLIFIED = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤常温"
    "康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂"
    "成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤穆农司卓古吉缪简项连芦麦褚娄窦戚岑景党宫费卜"
    "冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬仇栾隋荣巫寇桑郎甄丛仲虞敖巩佘池迟邝谈匡鞠惠荆冀郁胥储栗燕楚鄢劳谌奚"
    "皮粟冼蔺满闻厉伊仝郜阚帅屠朴盖练廉禹祖漆巴丰卿狄晋芮扈晁阙浦邸雍辜裘亓修邰赫杭况逯隆茹诸慕亢嵇湛宾戎勾"
    "茅揭尉冶檀衣昝"
)
_SURNAMES_TRADITIONAL = (
    "儲劉勞厲叢吳呂喬單嚴塗婁孫宮寧帥張晉楊榮欒歐況湯溫滿畢盧竇簡紀練繆羅聞聶荊莊華萬葉蓋蔣藍藺蘆蘇蘭衛衞許"
    "談諶諸謝譚豐費賀賈賓趙農連邊鄒鄔鄧鄭鄺錢鍾閆閔閻闕關闞陳陸鞏韋韓項顏顧饒馬馮駱魯鮑麥黃黨齊龍龐龔"
)
SURNAMES = frozenset(_SURNAMES_SIMPLIFIED + _SURNAMES_TRADITIONAL)
COMPOUND_SURNAMES = (
    "欧阳", "歐陽", "司马", "司馬", "诸葛", "諸葛", "上官", "东方", "東方", "慕容", "令狐", "皇甫", "尉迟", "尉遲",
    "长孙", "長孫", "夏侯", "公孙", "公孫", "轩辕", "軒轅", "端木", "南宫", "南宮", "西门", "西門",
)
TITLES = ("先生", "女士", "小姐", "太太", "阿姨", "师傅", "師傅", "大爷", "大爺", "大妈", "大媽", "老师", "老師", "同志",
          "经理", "經理", "主任", "老板", "老闆", "律师", "律師", "警官", "医生", "醫生")
_TITLE = re.compile("|".join(TITLES))
# Characters that end a given name: particles, pronouns, the start of the next clause.
_NAME_STOP = set(
    "的是在我你他她它们們想要打来來了啊呀吧呢嘛哈就也和跟给給从從姓电電手身住今年岁歲号號现現这這那个個不没沒"
    "有说說叫到去对對还還再请請谢謝麻烦煩嗯哦噢喂呃额係系喺咗嘅啲啦喎嘢"
)
_NAME_TRIGGER = re.compile(
    r"(?:我叫做|我叫|我名叫|我的名字叫|我的名字是|我名字叫|我名字是|名字叫|名字是|姓名是|姓名叫|姓名[：:]|本人叫|"
    r"我個名叫|我嘅名係|我個名係|联系人(?:是|写|寫|填)?|聯絡人(?:係|寫|填)?|联络人(?:是|写|填)?|户主是?|戶主係?|姓名|"
    r"(?:胸牌|工牌|名牌)上?(?:写的是|寫的是|写着|寫著|寫住))\s*"
)
# "我老公叫赵国强", "经理叫孙海峰": someone the caller names, then 叫 and the name.
_PERSON_CALLED = re.compile(
    r"(?:经理|經理|主管|负责人|負責人|师傅|師傅|司机|司機|老板|老闆|老公|老婆|丈夫|妻子|爱人|愛人|儿子|兒子|女儿|女兒|"
    r"父亲|父親|母亲|母親|爸爸|妈妈|媽媽|爷爷|爺爺|奶奶|哥哥|姐姐|弟弟|妹妹|孩子|户主|戶主|业主|業主|房东|房東|"
    r"联系人|聯繫人|聯絡人|申请人|申請人|租客|保安|医生|醫生|民警|警察|同事|朋友|邻居|鄰居|他|她|对方|對方|那个人|那個人)"
    r"(?:的名字|嘅名)?(?:叫做|名叫|叫|係叫)\s*"
)
# "我是王秀英，…", "我是李小红的妈妈", "我是申请人谢婷婷": a name only when a pause or a relation follows.
_SELF_INTRO = re.compile(
    r"(?:我是|我係|我就是|我就係|本人是)(?:[^\W\d_的嘅]{0,4}?(?:申请人|申請人|投诉人|投訴人|当事人|當事人|业主|業主|"
    r"户主|戶主|住户|住戶|家属|家屬))?\s*"
)
_RELATION = re.compile(
    r"的(?:妈妈|媽媽|妈|媽|爸爸|爸|母亲|母親|父亲|父親|家属|家屬|家人|老婆|老公|丈夫|妻子|爱人|愛人|儿子|兒子|女儿|女兒|"
    r"孩子|哥哥|姐姐|弟弟|妹妹|爷爷|爺爺|奶奶|外公|外婆|姥姥|姥爷|孙子|孫子|孙女|孫女|邻居|鄰居|朋友|同事|室友|租客|"
    r"房东|房東|老师|老師|同学|同學|亲戚|親戚|监护人|監護人|代理人|律师|律師|家长|家長)"
    r"|嘅(?:媽媽|老豆|老婆|老公|仔|女|屋企人|家人|朋友)"
)
_AFTER_SELF_NAME = re.compile(r"\s*(?:[，,。.!！?？;；]|$|我|啊|呀|啦|呢)")
# What follows 我是 and looks like a name but is a role, an origin or a group ("高中生", "杭州人", "司机").
_NOT_A_NAME_END = set("人市省县縣区區镇鎮村生员員户戶主工客头頭机機长長家友委队隊组組部总總哥姐叔婶嬸伯")
_NOT_NAMES = frozenset({"司机", "司機", "房东", "房東", "房客", "管理员", "管理員", "党员", "黨員", "农民", "農民", "路人",
                        "游客", "遊客", "单位", "單位", "孙子", "孫子", "孙女", "孫女", "华人", "華人", "白领", "白領",
                        "高中", "高三", "高一", "高二", "周边", "周邊", "方面", "金主", "包租婆", "包租公", "钟点工"})
# "老王说", "老陈家": 老 and a surname, then a verb, a particle or a pause (not 老房子, 老毛病, 老师傅).
_OLD_SURNAME_AFTER = set("说說讲講在家的他她就也又还還都是跟和那这這呢啊呀吧叫让讓来來去给給找打问問，,。.!！?？ ")
_NOT_BEFORE_OLD = set("古养養敬父元长長遗遺很太变變衰防终終月倚卖賣")
# A surname spelt out by its parts: the known splits, and a radical then the rest ("两点水一个马的冯").
_SPLITS = {
    "弓长": "张", "弓長": "張", "立早": "章", "木子": "李", "十八子": "李", "耳东": "陈", "耳東": "陳", "口天": "吴吳",
    "古月": "胡", "言午": "许許", "人可": "何", "双木": "林", "雙木": "林", "木易": "杨楊", "三横": "王", "三橫": "王",
    "草头": "黄黃", "草頭": "黄黃", "双口": "吕呂", "雙口": "吕呂", "子小": "孙孫", "文刀": "刘劉", "卯金刀": "刘劉",
    "禾呈": "程", "关耳": "郑鄭", "關耳": "郑鄭",
}
_RADICAL = (
    r"(?:两点水|兩點水|三点水|三點水|草字头|草字頭|宝盖头?|寶蓋頭?|单人旁|單人旁|双人旁|雙人旁|提手旁|金字旁|木字旁|"
    r"言字旁|口字旁|王字旁|土字旁|走之底?|耳朵旁|耳刀旁|竖心旁|豎心旁|绞丝旁|絞絲旁|月字旁|火字旁|女字旁|禾木旁|"
    r"三横|三橫|草头|草頭)"
)
_SPELT_SURNAME = re.compile(
    "(?:" + "|".join(sorted(_SPLITS, key=len, reverse=True)) + ")"
    + r"(?:的)?(?=[\u4e00-\u9fff])"
    + rf"|{_RADICAL}(?:(?:一个|一個|加个|加個|加一个|加一個|再加|加|一)?[\u4e00-\u9fff]{{1,2}}?)?(?:的)?(?=[\u4e00-\u9fff])"
)
_AFTER_SPELT = set("的字啊呀呢嘛吧哦，,。.!！?？ ")
# "我姓李，木子李，叫李明明": a bare 叫 names someone after a surname said in the same sentence.
_CALLED_AFTER_SURNAME = re.compile(r"(?:我|本人|免贵|免貴)姓[^。？！?!\n]{1,10}?叫\s*")
# "我姓王", and a bare "姓王" that opens a clause (the answer to "您贵姓？").
_SURNAME_TRIGGER = re.compile(r"(?:(?:我|本人|免贵|免貴)|(?:^|(?<=[，,。.!！?？\s]))(?:嗯|哦|噢)?)姓(?!名)\s*")
_ENGLISH_NAME = re.compile(
    r"(?:\b[Mm]y name is|\b[Mm]y name's|\bI'm|\bI am|\b[Tt]his is)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})"
    r"|\b(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+([A-Z][a-z]+)"
)
_ENGLISH_NOT_NAMES = frozenset({
    "Sorry", "Not", "Just", "Calling", "From", "In", "The", "Here", "Very", "So", "Fine", "Good", "Okay", "Ok",
    "Going", "Trying", "Looking", "Afraid", "Glad", "Happy", "Able", "Also", "Still", "Really", "Actually",
    "Worried", "Chinese", "English", "American", "British", "Cantonese", "Mandarin", "Hong", "A", "An",
})

_CJK = r"[\u4e00-\u9fff]"
_HARD_STOP = re.compile(r"[。？！?!；;\n]")
_MARKER = re.compile(
    r"\d+\s*(?:号楼|號樓|号院|號院|号|號|栋|棟|幢|座|单元|單元|室|层|層|楼|樓|期|弄|巷|房|户|戶)"
    rf"|{_CJK}(?:路|街|大道|大街|巷|弄|胡同)|(?<=[\u4e00-\u9fff])(?<![知难難报報频頻味通渠轨軌管街车車行说說])道|小区|小區|花园|花園|苑|新村|家园|家園|大厦|大廈|公寓|宿舍|村|邨|屋苑"
    rf"|{_CJK}(?:区|區|县|縣|镇|鎮|乡|鄉)"
)
_ESTATE_END = re.compile(r"(?:小区|小區|花园|花園|苑|新村|家园|家園|大厦|大廈|公寓|宿舍|村|邨|屋苑|[路街]\s*\d+\s*[号號])$")
_ROOM_AFTER = re.compile(r"\s*(?:\d{1,5}|[A-Za-z]\d{0,4}(?=\s*(?:室|房))|\d{1,4}[A-Za-z])\s*(?:室|房|号|號)?")
_ADDRESS_TRIGGER = re.compile(
    r"(?:我住喺|我住在|住喺|住在|我们住|我們住|我住|家住在|家住|我家在|家庭住址是?|住址是|住址係|住址[：:]|住址|地址是|"
    r"地址係|地址在|地址[：:]|i live at|my address is)\s*(?:就是|就在|是在|在|是)?\s*",
    re.I,
)
# Untriggered: a road with a house number, or a building with a unit or a 3-4 digit room.
_ROAD_NUMBER = re.compile(r"(?:路|街|大道|大街|巷|弄|胡同|道)\s*\d{1,5}\s*(?:号|號)(?!\s*(?:楼|樓))")
_BUILDING_UNIT = re.compile(
    r"\d+\s*(?:号楼|號樓|栋|棟|幢|座)\s*[，,]?\s*(?:\d+\s*(?:单元|單元)|\d{3,4}(?!\d)\s*(?:室|房)?)"
)
# "我住在六楼": a floor alone finds no household.
_FLOOR_ONLY = re.compile(r"\s*\d{1,3}\s*(?:楼|樓|层|層)\s*")
_NOT_ROADS = ("知道", "难道", "難道", "报道", "報道", "频道", "頻道", "味道", "通道", "渠道", "轨道", "軌道", "管道",
              "街道", "車道", "车道", "人行道", "說道", "说道")
_PLACE_STOP = set("的是在我你您他她住到去从從往就了说說和跟对對那这這个個边邊有请請也都还還把被给給要想叫姓啊吧呢嗯哦喂于於位处處"
                  "喺係系嘅咗啲")
MAX_PLACE_NAME = 10


def find_names(text: str) -> tuple[list[Hit], set[str], set[str]]:
    """Names said in ``text``: the findings, the full names and the surnames declared."""
    hits: list[Hit] = []
    full: set[str] = set()
    surnames: set[str] = set()
    for m in _NAME_TRIGGER.finditer(text):
        name = _read_name(text, m.end())
        if name:
            hits.append(Hit("name", m.end(), m.end() + len(name), 0.9))
            full.add(name)
            surnames.add(_surname_of(name))
    for m in _CALLED_AFTER_SURNAME.finditer(text):
        name = _read_name(text, m.end())
        if name:
            hits.append(Hit("name", m.end(), m.end() + len(name), 0.85))
            full.add(name)
    for m in _SURNAME_TRIGGER.finditer(text):
        surname = _surname_at(text, m.end())
        if surname:
            hits.append(Hit("name", m.end(), m.end() + len(surname), 0.85))
            surnames.add(surname)
    hits += _introduced_names(text, full, surnames)
    for m in _ENGLISH_NAME.finditer(text):
        group = 1 if m.group(1) else 2
        words = m.group(group).split()
        if words and words[0] not in _ENGLISH_NOT_NAMES:
            hits.append(Hit("name", m.start(group), m.end(group), 0.8))
            full.add(m.group(group))
    return hits, full, surnames


def _introduced_names(text: str, full: set[str], surnames: set[str]) -> list[Hit]:
    """Names said without 我叫: "我是X，", "我是X的妈妈", "老公叫X", "老王", "弓长张"."""
    hits: list[Hit] = []
    for pattern, confidence in ((_PERSON_CALLED, 0.85), (_SELF_INTRO, 0.8)):
        for m in pattern.finditer(text):
            name = _read_name(text, m.end())
            if not name or name in _NOT_NAMES or name[-1] in _NOT_A_NAME_END:
                continue
            end = m.end() + len(name)
            if pattern is _SELF_INTRO and not (_RELATION.match(text, end) or _AFTER_SELF_NAME.match(text, end)):
                continue
            hits.append(Hit("name", m.end(), end, confidence))
            full.add(name)
            surnames.add(_surname_of(name))
    for m in re.finditer("老", text):
        at = m.end()
        if (at < len(text) and text[at] in SURNAMES and (at + 1 == len(text) or text[at + 1] in _OLD_SURNAME_AFTER)
                and not (m.start() > 0 and text[m.start() - 1] in _NOT_BEFORE_OLD)):
            hits.append(Hit("name", at, at + 1, 0.75))
    for m in _SPELT_SURNAME.finditer(text):
        at = m.end()
        surname = text[at] if at < len(text) else ""
        split = _SPLITS.get(m.group().rstrip("的"))
        if surname in SURNAMES and (split is None or surname in split) and (
                at + 1 == len(text) or text[at + 1] in _AFTER_SPELT):
            hits.append(Hit("name", at, at + 1, 0.85))
            surnames.add(surname)
    return hits


def find_name_mentions(text: str, full_names: set[str], surnames: set[str]) -> list[Hit]:
    """Later mentions of names declared in the call, and any surname followed by a title (王先生)."""
    hits = []
    for name in sorted(full_names, key=len, reverse=True):
        if len(name) >= 2:
            hits += [Hit("name", m.start(), m.end(), 0.9) for m in re.finditer(re.escape(name), text)]
    for m in _TITLE.finditer(text):
        at = m.start()
        start = at - 2 if at >= 2 and text[at - 2:at] in COMPOUND_SURNAMES else at - 1
        surname = text[max(start, 0):at]
        if surname in surnames:
            hits.append(Hit("name", start, at, 0.9))
        elif surname in SURNAMES or surname in COMPOUND_SURNAMES:
            hits.append(Hit("name", start, at, 0.75))
    return hits


def _surname_at(text: str, at: int) -> str | None:
    if text[at:at + 2] in COMPOUND_SURNAMES:
        return text[at:at + 2]
    return text[at] if at < len(text) and text[at] in SURNAMES else None


def _surname_of(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def _read_name(text: str, at: int) -> str | None:
    """A surname and one or two given-name characters at ``at``; None without a given name."""
    surname = _surname_at(text, at)
    if surname is None:
        return None
    end = at + len(surname)
    for _ in range(2):
        if end >= len(text) or text[end:end + 2] in TITLES or text[end] in _NAME_STOP or not re.match(_CJK, text[end]):
            break
        end += 1
    if end == at + len(surname):
        return None
    return text[at:end]


def find_addresses(text: str) -> list[Hit]:
    hits = find_english_addresses(text)
    for m in _ADDRESS_TRIGGER.finditer(text):
        end = _address_end(text, m.end())
        if end is not None and not _FLOOR_ONLY.fullmatch(text, m.end(), end):
            hits.append(Hit("address", m.end(), end, 0.9))
    for pattern in (_ROAD_NUMBER, _BUILDING_UNIT):
        for m in pattern.finditer(text):
            if pattern is _ROAD_NUMBER and text[:m.start() + 1].endswith(_NOT_ROADS):
                continue
            start = _place_name_start(text, m.start())
            if pattern is _ROAD_NUMBER and start == m.start():
                continue  # "路88号" with no road name is not an address
            start = _estate_before(text, start)
            end = _address_end(text, start) or m.end()
            hits.append(Hit("address", start, max(end, m.end()), 0.8))
    return hits


def address_clauses(text: str, hits: list[Hit]) -> set[str]:
    """The place-naming clauses of the addresses found, to find again where the agent reads them back
    in part ("红星小区5号楼" after "东湖区建国路100号，红星小区5号楼")."""
    clauses = set()
    for h in hits:
        if h.kind == "address":
            for clause in re.split(r"[，,、\s]+", text[h.start:h.end]):
                if len(clause) >= 4 and _MARKER.search(clause) and re.search(r"\d", clause):
                    clauses.add(clause)
    return clauses


def find_address_mentions(text: str, clauses: set[str]) -> list[Hit]:
    return [Hit("address", m.start(), m.end(), 0.8)
            for clause in sorted(clauses, key=len, reverse=True) for m in re.finditer(re.escape(clause), text)]


def _place_name_start(text: str, at: int) -> int:
    """Walk back from a road or building over the place name before it ("西城区解放" in 西城区解放路)."""
    start = at
    while (start > 0 and at - start < MAX_PLACE_NAME and re.match(_CJK, text[start - 1])
           and text[start - 1] not in _PLACE_STOP):
        start -= 1
    while start > 0 and text[start - 1].isdigit():
        start -= 1  # "12号楼": the number belongs to the building
    return start


def _estate_before(text: str, start: int) -> int:
    """"阳光花园小区，12号楼2单元": take in the estate named in the clause just before the building."""
    if start < 2 or text[start - 1] not in "，,、 ":
        return start
    clause_start = _place_name_start(text, start - 1)
    clause = text[clause_start:start - 1]
    return clause_start if clause and _ESTATE_END.search(clause) else start


_ESTATE_NAME = re.compile(r"\s*[\u4e00-\u9fff]{2,8}\s*")


def _next_clause_is_building(text: str, at: int, limit: int) -> bool:
    if at >= limit:
        return False
    comma = re.compile(r"[，,、]").search(text, at + 1, limit)
    clause = text[at + 1:comma.start() if comma else limit]
    return _BUILDING_UNIT.match(clause.strip()) is not None


def _address_end(text: str, start: int) -> int | None:
    """End of an address that starts at ``start``: the last place word of each clause, clause after
    clause while they go on naming places; None when the first clause names none."""
    stop = _HARD_STOP.search(text, start)
    limit = min(stop.start() if stop else len(text), start + 60)
    end = None
    clause_start = start
    while clause_start < limit:
        comma = re.compile(r"[，,、]").search(text, clause_start, limit)
        clause_end = comma.start() if comma else limit
        clause = text[clause_start:clause_end]
        marks = list(_MARKER.finditer(clause))
        if marks:
            last = clause_start + marks[-1].end()
            room = _ROOM_AFTER.match(text, last, clause_end)
            end = room.end() if room and room.end() > last else last
        elif end is not None and re.fullmatch(r"\s*\d{1,5}\s*(?:室|房|号|號)?\s*", clause):
            end = clause_start + len(clause.rstrip())  # "，602" after a building
        elif end is not None and _ESTATE_NAME.fullmatch(clause) and _next_clause_is_building(text, clause_end, limit):
            pass  # "建国路100号，金隅丽港城，12号楼1001": an estate's name between a road and a building
        else:
            break
        clause_start = clause_end + 1
    return end
