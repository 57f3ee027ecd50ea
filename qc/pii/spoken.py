"""Names and home addresses in the patterns callers say them in.

Names: "我叫张伟", "我的名字叫…", "我姓王" / "免贵姓王" (the surname alone), "my name is David Chen", and
then every later "王先生", "李女士", "张伟" in the call, by either speaker. Addresses: after "我住在",
"家住", "地址是" up to the last place word of the clause and on through the clauses that go on naming
places ("阳光花园小区，12号楼2单元，602"), and without a trigger only when they are precise enough to
find a household: a road with a house number ("解放路45号") or a building with a unit or a room
("12号楼2单元602"). A road, a junction or an estate on its own is where a problem is, not who called.
Findings are in the (normalised) text's coordinates.
"""

from __future__ import annotations

import re

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
TITLES = ("先生", "女士", "小姐", "太太", "阿姨", "师傅", "師傅", "大爷", "大爺", "大妈", "大媽", "老师", "老師", "同志")
_TITLE = re.compile("|".join(TITLES))
# Characters that end a given name: particles, pronouns, the start of the next clause.
_NAME_STOP = set(
    "的是在我你他她它们們想要打来來了啊呀吧呢嘛哈就也和跟给給从從姓电電手身住今年岁歲号號现現这這那个個不没沒"
    "有说說叫到去对對还還再请請谢謝麻烦煩嗯哦噢喂呃额係系喺咗嘅啲啦喎嘢"
)
_NAME_TRIGGER = re.compile(
    r"(?:我叫做|我叫|我名叫|我的名字叫|我的名字是|我名字叫|我名字是|名字叫|名字是|姓名是|姓名叫|姓名[：:]|本人叫|"
    r"我個名叫|我嘅名係|我個名係|联系人是?|聯絡人係?|联络人是?|户主是?|戶主係?)\s*"
)
# "我姓李，木子李，叫李明明": a bare 叫 names someone after a surname said in the same sentence.
_CALLED_AFTER_SURNAME = re.compile(r"(?:我|本人|免贵|免貴)姓[^。？！?!\n]{1,10}?叫\s*")
_SURNAME_TRIGGER = re.compile(r"(?:我|本人|免贵|免貴)姓\s*")
_ENGLISH_NAME = re.compile(
    r"(?:\b[Mm]y name is|\bI'm|\bI am|\b[Tt]his is)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})"
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
_ROOM_AFTER = re.compile(r"\s*\d{1,5}\s*(?:室|房|号|號)?")
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
    for m in _ENGLISH_NAME.finditer(text):
        group = 1 if m.group(1) else 2
        words = m.group(group).split()
        if words and words[0] not in _ENGLISH_NOT_NAMES:
            hits.append(Hit("name", m.start(group), m.end(group), 0.8))
            full.add(m.group(group))
    return hits, full, surnames


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
    hits = []
    for m in _ADDRESS_TRIGGER.finditer(text):
        end = _address_end(text, m.end())
        if end is not None:
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
        else:
            break
        clause_start = clause_end + 1
    return end
