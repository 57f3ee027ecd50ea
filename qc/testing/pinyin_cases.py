"""Sound-alike cases the pinyin matcher is held to: Whisper's misspellings of rubric phrases (found) and look-alikes
that must not match; shared by tests/test_pinyin_matching.py and bench/sound_alikes.py."""

from __future__ import annotations

# (text as normalise_for_match leaves it, rubric phrase, should it match?)
# Positives are Whisper-base errors of the kind heard on 8 kHz hotline audio; negatives are real words a
# caller or agent says that share a syllable or two with the phrase.
CASES: list[tuple[str, str, bool]] = [
    # exact
    ("我想咨询一下社保卡的事情", "咨询", True),
    ("您好请问有什么可以帮您", "请问有什么可以帮您", True),
    # homophones (tone only)
    ("我想资讯一下社保卡的事情", "咨询", True),
    ("我想资询一下", "咨询", True),
    ("社保卡丢了要怎么不办", "补办", True),
    ("明天就点开门吗", "九点", True),
    ("您好我是花务员", "话务员", True),
    ("附近公帝晚上一直在施工", "工地", True),
    ("银行卡要先挂师", "挂失", True),
    ("最近的网店在哪里", "网点", True),
    ("我要找城馆", "城管", True),
    ("我的设保卡丢了", "社保卡", True),
    ("公基金怎么提取", "公积金", True),
    ("依保报销比例是多少", "医保", True),
    ("孩子的护口怎么迁", "户口", True),
    ("居住正过期了", "居住证", True),
    ("您的公号是多少", "工号", True),
    ("帮我查一下公单进度", "工单", True),
    ("屋业不管楼道卫生", "物业", True),
    ("楼下饭店油盐太大", "油烟", True),
    ("晚上早音太大了", "噪音", True),
    ("我要偷诉这个商家", "投诉", True),
    ("我要巨报有人违建", "举报", True),
    ("我想球助一下", "求助", True),
    ("水管爆了快来强修", "抢修", True),
    ("家里然气泄露了", "燃气泄漏", True),
    ("他说他想字杀", "自杀", True),
    ("请烧等我帮您查一下", "请稍等", True),
    ("感谢您的来点再见", "感谢您的来电", True),
    ("敢谢您的来电", "感谢您的来电", True),
    # each confusion class
    ("晚上照音太大了", "噪音", True),  # zh/z
    ("我要投书这个商家", "投诉", True),  # sh/s
    ("他说他想自撒", "自杀", True),  # sh/s in the second syllable
    ("我要找层管", "城管", True),  # ch/c
    ("龙民工工资拖欠", "农民工", True),  # n/l
    ("对胡务态度不满意", "服务态度", True),  # f/h
    ("打乐线没人接", "热线", True),  # r/l
    ("这个业务怎么帮理", "办理", True),  # an/ang
    ("医院蒙诊几点开门", "门诊", True),  # en/eng
    ("附近派出所明警", "民警", True),  # in/ing
    ("你们快来象场看看", "现场", True),  # ian/iang
    ("小区广理很混乱", "管理", True),  # uan/uang
    ("居住怎过期了", "居住证", True),  # zh/z and eng/en in one syllable
    # several errors in one long phrase, a syllable dropped or added
    ("感谢你的来点再见", "感谢您的来电", True),
    ("好的再和你确认一下地址", "再和您确认一下", True),
    ("好的再和您确认下地址", "再和您确认一下", True),
    ("您好请问有什么可以帮助您", "请问有什么可以帮您", True),
    ("您好请问有什么可以帮你", "请问有什么可以帮您", True),
    ("打12345乐线没人接", "12345热线", True),
    # look-alike words that must not match
    ("社保卡不要了", "补办", False),
    ("你们那边几点下班", "您好", False),
    ("我想咨询一下", "投诉", False),
    ("我要举报", "求助", False),
    ("医疗费用怎么报", "医保", False),
    ("户籍在外地", "户口", False),
    ("公租房怎么申请", "公积金", False),
    ("看到小区的公告了", "工号", False),
    ("工作时间是几点", "工单", False),
    ("五月份开始的", "物业", False),
    ("我收到一封邮件", "油烟", False),
    ("造成了很大损失", "噪音", False),
    ("照样没人管", "噪音", False),
    ("他透露了一些情况", "投诉", False),
    ("借了很多图书", "投诉", False),
    ("不能强行拆除", "抢修", False),
    ("病人正在抢救", "抢修", False),
    ("我自己去办", "自杀", False),
    ("这是自然现象", "自杀", False),
    ("这是常识知识", "自杀", False),
    ("请送到门口", "请稍等", False),
    ("感谢您的理解", "感谢您的来电", False),
    ("感谢您的耐心", "感谢您的来电", False),
    ("感谢您的来信", "感谢您的来电", False),
    ("好的再和您说一下", "再和您确认一下", False),
    ("家里暖气泄漏了", "燃气泄漏", False),
    ("然后写了一封信", "燃气泄漏", False),
    ("资金还没到账", "咨询", False),
    ("我自行处理", "咨询", False),
    ("医院挂号很难", "挂失", False),
    ("网上可以办吗", "网点", False),
    ("办理成功了", "城管", False),
    ("化验员说的", "话务员", False),
    ("我在公司上班", "工地", False),
    ("就是这样的", "九点", False),
    ("居民证明开好了", "居住证", False),
    ("住址写错了", "居住证", False),
    ("去社保局问问", "社保卡", False),
    ("一般要一个月", "医保", False),
    ("后来就没人管了", "户口", False),
    ("我在求职", "求助", False),
    ("据说要收费", "举报", False),
    ("他有攻击性", "公积金", False),
    ("请问有什么事情吗", "请问有什么可以帮您", False),
    ("howcanhelp", "howcanihelp", False),
    ("打12346热线", "12345热线", False),
]
