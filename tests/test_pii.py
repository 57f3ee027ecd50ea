"""Personal data in transcripts: each kind, spoken digits, numbers split over utterances and words,
near-misses that must stay, redaction of text and words, and the audio spans to silence."""

from __future__ import annotations

import json
import re
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from qc.pii import (
    PLACEHOLDERS,
    PiiOptions,
    PiiSpan,
    audio_mute_spans,
    detect_pii,
    detect_pii_text,
    redact_text,
    redact_utterances,
)
from qc.pii.validate import (
    cn_id_check_digit,
    hk_id_check_digit,
    is_cn_id,
    is_cn_id15,
    is_cn_landline,
    luhn_ok,
)
from qc.records import Utterance, Word

# Numbers with valid check digits (computed once with the validators and checked below against
# published examples): resident IDs, Luhn-valid cards.
ID_1 = "440305199003071236"
ID_X = "11010519491231002X"  # GB 11643's own example
ID_2 = "320106198506153317"
ID_BAD = "440305199003071237"  # check digit off by one
CARD_19 = "6222021234567890128"
CARD_16 = "6228480012345671"
ORDER_17 = "12345678901234569"  # Luhn-valid, like a card, but 17 digits after 订单号


def _u(text: str, speaker: str = "ch1", start: float = 0.0, end: float = 5.0, words: tuple[Word, ...] = ()) -> Utterance:
    return Utterance(speaker, "caller" if speaker == "ch1" else "agent", start, end, text, words)


# ---------------------------------------------------------------- labelled case list
# (name, utterances as texts or (speaker, text), gold [(utterance index, kind, text)], region)
CASES: list[tuple[str, list, list[tuple[int, str, str]], str]] = [
    # mobile numbers
    ("mobile spoken groups", ["我叫张伟，电话幺三八，二七二七，三八三八。"], [(0, "name", "张伟"), (0, "mobile", "幺三八，二七二七，三八三八")], "cn"),
    ("mobile with 一 and 零", ["手机号是一三九零一二三四五六七"], [(0, "mobile", "一三九零一二三四五六七")], "cn"),
    ("mobile arabic", ["你打我手机13800138000就行"], [(0, "mobile", "13800138000")], "cn"),
    ("mobile arabic spaced", ["电话是 139 1234 5678"], [(0, "mobile", "139 1234 5678")], "cn"),
    ("mobile mixed", ["号码139 1234 伍陆柒捌"], [(0, "mobile", "139 1234 伍陆柒捌")], "cn"),
    ("mobile +86", ["my number is +86 138 2727 3838"], [(0, "mobile", "+86 138 2727 3838")], "cn"),
    ("mobile no context", ["嗯幺五九三三二二幺幺零零对"], [(0, "mobile", "幺五九三三二二幺幺零零")], "cn"),
    ("mobile dashes", ["联系方式138-2727-3838"], [(0, "mobile", "138-2727-3838")], "cn"),
    ("mobile read back", [("ch0", "好的王先生，联系电话幺三九一二三四五六七八，对吗？")], [(0, "name", "王"), (0, "mobile", "幺三九一二三四五六七八")], "cn"),
    ("mobile two utterances", ["我电话是幺三八，二七二七", "三八三八"], [(0, "mobile", "幺三八，二七二七"), (1, "mobile", "三八三八")], "cn"),
    ("mobile split mid group", ["电话幺八六幺二", "三四五六七八"], [(0, "mobile", "幺八六幺二"), (1, "mobile", "三四五六七八")], "cn"),
    ("mobile with 两", ["电话幺三两，五五六六，七七八八"], [(0, "mobile", "幺三两，五五六六，七七八八")], "cn"),
    ("mobile traditional", ["我嘅電話係一三八零零一三八零零零"], [(0, "mobile", "一三八零零一三八零零零")], "cn"),
    # landlines
    ("landline shanghai", ["座机是零二一，六二三四，五六七八"], [(0, "landline", "零二一，六二三四，五六七八")], "cn"),
    ("landline shenzhen", ["打0755-81234567找我"], [(0, "landline", "0755-81234567")], "cn"),
    ("landline beijing", ["电话010-62345678"], [(0, "landline", "010-62345678")], "cn"),
    ("landline local 8 digits", ["家里座机六二三四五六七八"], [(0, "landline", "六二三四五六七八")], "cn"),
    # Hong Kong phones
    ("hk mobile", ["我嘅電話係9123 4567"], [(0, "mobile", "9123 4567")], "hk"),
    ("hk mobile spoken", ["電話號碼係九一二三，四五六七"], [(0, "mobile", "九一二三，四五六七")], "hk"),
    ("hk landline", ["phone 2345 6789 please"], [(0, "landline", "2345 6789")], "hk"),
    ("hk +852", ["+852 6123 4567"], [(0, "mobile", "+852 6123 4567")], "hk"),
    # resident IDs
    ("id arabic", [f"身份证号{ID_1}"], [(0, "cn_id", ID_1)], "cn"),
    ("id with X", [f"我的身份证是{ID_X}"], [(0, "cn_id", ID_X)], "cn"),
    ("id spoken groups", ["身份证四四零三零五，一九九零零三零七，幺二三六"], [(0, "cn_id", "四四零三零五，一九九零零三零七，幺二三六")], "cn"),
    ("id spoken 叉", ["身份证号码幺幺零幺零五，幺九四九幺二三幺，零零二叉"], [(0, "cn_id", "幺幺零幺零五，幺九四九幺二三幺，零零二叉")], "cn"),
    ("id two utterances", ["身份证号是三二零幺零六幺九八五", "零六幺五三三幺七"], [(0, "cn_id", "三二零幺零六幺九八五"), (1, "cn_id", "零六幺五三三幺七")], "cn"),
    ("id no context", [f"号码是{ID_2}对吧"], [(0, "cn_id", ID_2)], "cn"),
    ("id old 15 digits", ["老身份证是110105491231002"], [(0, "cn_id", "110105491231002")], "cn"),
    ("id thousand separators", ["身份证440,305,199,003,071,236"], [(0, "cn_id", "440,305,199,003,071,236")], "cn"),
    # Hong Kong IDs
    ("hkid brackets", ["身份證號碼係A123456(3)"], [(0, "hk_id", "A123456(3)")], "hk"),
    ("hkid check A", ["ID card G123456(A)"], [(0, "hk_id", "G123456(A)")], "hk"),
    ("hkid two letters", ["身份證AB987654(3)"], [(0, "hk_id", "AB987654(3)")], "hk"),
    ("hkid spoken", ["身份證係A幺二三四五六括号三"], [(0, "hk_id", "A幺二三四五六括号三")], "hk"),
    # bank cards
    ("card 19 spoken", ["银行卡号六二二二，零二幺二，三四五六，七八九零，幺二八"], [(0, "bank_card", "六二二二，零二幺二，三四五六，七八九零，幺二八")], "cn"),
    ("card 16 arabic", [f"卡号{CARD_16}"], [(0, "bank_card", CARD_16)], "cn"),
    ("card 16 groups", ["工资卡 6228 4800 1234 5671"], [(0, "bank_card", "6228 4800 1234 5671")], "cn"),
    ("card no context", [f"转到{CARD_19}这个上面"], [(0, "bank_card", CARD_19)], "cn"),
    ("card visa", ["my card is 4111 1111 1111 1111"], [(0, "bank_card", "4111 1111 1111 1111")], "cn"),
    # e-mail
    ("email plain", ["邮箱john.doe@example.com"], [(0, "email", "john.doe@example.com")], "cn"),
    ("email spoken", ["邮箱是zhangsan艾特qq点com"], [(0, "email", "zhangsan艾特qq点com")], "cn"),
    ("email digits", ["邮箱幺二三四五六七八九艾特qq点com"], [(0, "email", "幺二三四五六七八九艾特qq点com")], "cn"),
    ("email english", ["it's chan at gmail dot com"], [(0, "email", "chan at gmail dot com")], "cn"),
    # plates
    ("plate", ["车牌京A12345"], [(0, "plate", "京A12345")], "cn"),
    ("plate new energy", ["我的车牌是粤B·D12345"], [(0, "plate", "粤B·D12345")], "cn"),
    ("plate spoken digits", ["车是京A幺二三四五的"], [(0, "plate", "京A幺二三四五")], "cn"),
    ("plate taxi report", ["那辆出租车沪C 6789 8拒载"], [], "cn"),  # 4+1 read apart: not a plate we can trust
    ("plate hk", ["車牌係AB 1234"], [(0, "plate", "AB 1234")], "hk"),
    # addresses
    ("address triggered", ["我住在南湖区青年路八十八号。"], [(0, "address", "南湖区青年路八十八号")], "cn"),
    ("address estate clauses", ["我住在阳光花园小区，十二号楼二单元，六零二。"], [(0, "address", "阳光花园小区，十二号楼二单元，六零二")], "cn"),
    ("address untriggered road", ["西城区解放路四十五号，电力宿舍二号楼，我姓黄。"], [(0, "address", "西城区解放路四十五号，电力宿舍二号楼"), (0, "name", "黄")], "cn"),
    ("address read back", [("ch0", "再和您确认一下，阳光花园十二号楼二单元六零二，楼顶漏水，对吗？")], [(0, "address", "阳光花园十二号楼二单元六零二")], "cn"),
    ("address 地址是", ["地址是朝阳区建国路九十三号院三号楼"], [(0, "address", "朝阳区建国路九十三号院三号楼")], "cn"),
    ("address hk", ["我住喺沙田禾輋邨豐盛樓一二零三室"], [(0, "address", "沙田禾輋邨豐盛樓一二零三室")], "hk"),
    ("address building room", ["就是3栋1502"], [(0, "address", "3栋1502")], "cn"),
    # names
    ("name 我叫", ["我叫孙明，想咨询养老保险"], [(0, "name", "孙明")], "cn"),
    ("name 我姓 then title", ["我姓马。", ("ch0", "好的马先生，我记下了")], [(0, "name", "马"), (1, "name", "马")], "cn"),
    ("name 免贵姓 and full", ["免贵姓欧阳，叫欧阳娜娜"], [(0, "name", "欧阳"), (0, "name", "欧阳娜娜")], "cn"),
    ("name read back", ["我叫王小明", ("ch0", "好的，王小明，您的问题是")], [(0, "name", "王小明"), (1, "name", "王小明")], "cn"),
    ("name title only", [("ch0", "李女士您好")], [(0, "name", "李")], "cn"),
    ("name traditional", ["我叫陳大文"], [(0, "name", "陳大文")], "hk"),
    ("name english", ["Hi, my name is David Chen"], [(0, "name", "David Chen")], "cn"),
    ("name english title", [("ch0", "Thank you, Mr. Chen")], [(0, "name", "Chen")], "cn"),
    # a whole call
    ("call", [
        ("ch0", "您好，幺二三四五，工号幺零六，请问有什么可以帮您？"),
        ("ch1", "我姓吴，电话幺三六，二二三三，四四五五。"),
        ("ch0", "再和您确认一下，吴女士，阳光花园十二号楼二单元六零二，电话幺三六二二三三四四五五，对吗？"),
    ], [(1, "name", "吴"), (1, "mobile", "幺三六，二二三三，四四五五"), (2, "name", "吴"),
        (2, "address", "阳光花园十二号楼二单元六零二"), (2, "mobile", "幺三六二二三三四四五五")], "cn"),
    # near-misses: nothing personal
    ("order number 17", [f"订单号{ORDER_17}"], [], "cn"),
    ("order number 17 spoken", ["订单号是幺二三四五，六七八九零，幺二三四，五六九"], [], "cn"),
    ("order 17 no context", [f"那个{ORDER_17}的单子"], [], "cn"),
    ("date 8 digits", ["我20261125那天打过电话"], [], "cn"),
    ("date spoken", ["二零二六幺幺二五号打的"], [], "cn"),
    ("date cardinal", ["两千零二十六年十一月二十五号"], [], "cn"),
    ("price", ["一共三百二十五块"], [], "cn"),
    ("price large", ["赔了一万二千五百块钱"], [], "cn"),
    ("line number", ["您好，幺二三四五，请问有什么可以帮您？"], [], "cn"),
    ("line number arabic", ["我打12345打了好几次"], [], "cn"),
    ("service numbers", ["我打了幺二三四五，幺幺零，都没人管"], [], "cn"),
    ("work number", ["工号1024为您服务"], [], "cn"),
    ("work number spoken", ["我的工号是幺零二四"], [], "cn"),
    ("ticket 10", ["票号1234567890"], [], "cn"),
    ("ticket 14", ["工单号20261125001234"], [], "cn"),
    ("invalid id check digit", [f"身份证号{ID_BAD}"], [], "cn"),
    ("invalid id spoken", ["身份证四四零三零五，一九九零零三零七，幺二三七"], [], "cn"),
    ("courier number", ["快递单号是13812345678"], [], "cn"),
    ("card bad luhn", ["6222021234567890127这个数"], [], "cn"),
    ("postcode", ["邮编100000"], [], "cn"),
    ("times", ["下午五点半到六点"], [], "cn"),
    ("room alone", ["房间六零二的灯坏了"], [], "cn"),
    ("junction", ["建设路和光明街路口的商场工地夜间施工扰民"], [], "cn"),
    ("estate building only", ["春华小区十五号楼楼顶"], [], "cn"),
    ("hospital", ["我住院了三天"], [], "cn"),
    ("called ambulance", ["我叫了救护车"], [], "cn"),
    ("这位女士", [("ch0", "这位女士您别急")], [], "cn"),
    ("my husband", ["我先生出差了"], [], "cn"),
    ("知道5号", ["我知道5号那天停水"], [], "cn"),
    ("words with numerals", ["一下一般一直万一十分一点点三番五次一样统一"], [], "cn"),
    ("count", ["第三次打电话了"], [], "cn"),
    ("hk date", ["電話係20261125"], [], "cn"),  # said right after 電話 a date still counts: see test below
    ("hkid invalid", ["身份證A123456(4)"], [], "hk"),
    ("phone too short", ["电话幺三八二七二七"], [], "cn"),
    ("amount in digits", ["罚款2000元"], [], "cn"),
    ("year", ["1999年出生的"], [], "cn"),
    ("model number", ["型号是ZX1234567"], [], "cn"),
    ("bus", ["坐幺幺零路公交"], [], "cn"),
]
# Written after CASES was passing, without running it, then scored once: numbers P 1.00 R 0.94 (the
# all-zero group 零零零零 was left unconverted), all kinds P 1.00 R 0.97; then fixed (see the report).
HELDOUT: list[tuple[str, list, list[tuple[int, str, str]], str]] = [
    ("h mobile 1", ["我手机是幺八八，五五四四，三三二二。"], [(0, "mobile", "幺八八，五五四四，三三二二")], "cn"),
    ("h mobile 2", ["电话可以留一个，幺三三，四五六七，八九零幺。"], [(0, "mobile", "幺三三，四五六七，八九零幺")], "cn"),
    ("h mobile 3", ["您记一下我号码，一五零，零零零零，幺幺幺幺"], [(0, "mobile", "一五零，零零零零，幺幺幺幺")], "cn"),
    ("h mobile 4", ["我的手机号是一八六一二三四五六七八，你记一下"], [(0, "mobile", "一八六一二三四五六七八")], "cn"),
    ("h landline 1", ["回电话打这个0571-87654321"], [(0, "landline", "0571-87654321")], "cn"),
    ("h landline 2", ["固话是零五七一八七六五四三二一"], [(0, "landline", "零五七一八七六五四三二一")], "cn"),
    ("h id 1", ["我身份证号码是三三零一零二一九七八零一零一五六七二"], [(0, "cn_id", "三三零一零二一九七八零一零一五六七二")], "cn"),
    ("h id 2", ["身份证五幺零幺零八，二零零幺零九零九，零零四X"], [(0, "cn_id", "五幺零幺零八，二零零幺零九零九，零零四X")], "cn"),
    ("h id 3", ["身份证：440106199202298885"], [(0, "cn_id", "440106199202298885")], "cn"),
    ("h id split 3", ["我身份证是四四零幺零六", "幺九九二零二二九", "八八八五"], [(0, "cn_id", "四四零幺零六"), (1, "cn_id", "幺九九二零二二九"), (2, "cn_id", "八八八五")], "cn"),
    ("h card 1", ["卡号是六二一七，零零幺二，三四五六，七八九三"], [(0, "bank_card", "六二一七，零零幺二，三四五六，七八九三")], "cn"),
    ("h card 17", ["银行账号62258812345678905"], [(0, "bank_card", "62258812345678905")], "cn"),
    ("h email 1", ["邮箱是wang_li2020@163.com"], [(0, "email", "wang_li2020@163.com")], "cn"),
    ("h email 2", ["邮箱lily点chen艾特gmail点com"], [(0, "email", "lily点chen艾特gmail点com")], "cn"),
    ("h plate 1", ["车牌号是苏E·12345"], [(0, "plate", "苏E·12345")], "cn"),
    ("h plate 2", ["我车是浙A 8K123"], [(0, "plate", "浙A 8K123")], "cn"),
    ("h address 1", ["我住在滨江区江南大道三百八十八号"], [(0, "address", "滨江区江南大道三百八十八号")], "cn"),
    ("h address 2", ["我家在幸福小区五栋三单元五零一"], [(0, "address", "幸福小区五栋三单元五零一")], "cn"),
    ("h address 3", ["地址：海淀区中关村大街27号"], [(0, "address", "海淀区中关村大街27号")], "cn"),
    ("h name 1", ["我叫李建国，身份证还没带"], [(0, "name", "李建国")], "cn"),
    ("h name 2", ["我叫刘洋"], [(0, "name", "刘洋")], "cn"),
    ("h name 3", ["我姓陈，耳东陈"], [(0, "name", "陈")], "cn"),
    ("h name 4", ["我姓诸葛"], [(0, "name", "诸葛")], "cn"),
    ("h name 5", [("ch0", "张女士您好")], [(0, "name", "张")], "cn"),
    ("h name 6", ["那个，我叫周杰，杰出的杰"], [(0, "name", "周杰")], "cn"),
    ("h name hk", ["我個名叫黃志強"], [(0, "name", "黃志強")], "hk"),
    ("h hk mobile", ["我電話係六一二三 四五六七"], [(0, "mobile", "六一二三 四五六七")], "hk"),
    ("h hkid", ["身份證係K654321 9"], [(0, "hk_id", "K654321 9")], "hk"),
    ("h english", ["My name is Wong Siu Ming and my number is 9123 4567"], [(0, "name", "Wong Siu Ming"), (0, "mobile", "9123 4567")], "hk"),
    ("h english 2", ["this is Mary calling about the noise"], [(0, "name", "Mary")], "cn"),
    ("h email upper", ["EMAIL: Chan.TM@Gov.HK"], [(0, "email", "Chan.TM@Gov.HK")], "hk"),
    ("h hk address", ["我住喺旺角彌敦道六百號"], [(0, "address", "旺角彌敦道六百號")], "hk"),
    ("h local landline", ["请打电话给物业，电话是八八六六五五四四"], [(0, "landline", "八八六六五五四四")], "cn"),
    ("h n1", ["这个事情我反映了十几次了"], [], "cn"),
    ("h n2", ["工单号是二零二六一一二五零零零三"], [], "cn"),
    ("h n3", ["我们小区有三百多户"], [], "cn"),
    ("h n4", ["从一号线换乘二号线"], [], "cn"),
    ("h n5", ["快递单号幺二三四五六七八九零幺二"], [], "cn"),
    ("h n6", ["价格是一万三千八百块"], [], "cn"),
    ("h n7", ["今天是二零二六年十一月二十五号"], [], "cn"),
    ("h n8", ["他们说要等十五个工作日"], [], "cn"),
    ("h n9", ["我打幺二三四五好几次了，一直占线"], [], "cn"),
    ("h n10", ["一百二十平米的房子"], [], "cn"),
    ("h n11", ["温度零下十度"], [], "cn"),
    ("h n12", ["我们这栋楼有十八层"], [], "cn"),
    ("h n13", ["车次是G1234"], [], "cn"),
    ("h n14", ["订单编号202611250001"], [], "cn"),
    ("h n15", ["我的快递单号是SF1234567890123"], [], "cn"),
    ("h n16", ["王府井那边"], [], "cn"),
    ("h n17", [("ch0", "请问您贵姓？")], [], "cn"),
    ("h n18", ["我住的那个地方很吵"], [], "cn"),
    ("h n19", ["地址我待会发给你"], [], "cn"),
    ("h n20", ["三号楼的电梯坏了"], [], "cn"),
    ("h n21", ["人民路和解放路交叉口"], [], "cn"),
    ("h n22", ["我叫他们明天来"], [], "cn"),
    ("h n23", ["张家界旅游"], [], "cn"),
    ("h n24", ["我是高中生"], [], "cn"),
    ("h n25", ["电话费一百二十八块"], [], "cn"),
    ("h n26", ["手机尾号五六七八"], [], "cn"),
    ("h n27", ["银行卡丢了，卡号记不得了"], [], "cn"),
    ("h n28", ["身份证过期了，二零一六年办的"], [], "cn"),
    ("h n29", ["打了二十多个电话"], [], "cn"),
    ("h n30", ["在第一人民医院三楼"], [], "cn"),
    ("h n31", ["十一点半之前到"], [], "cn"),
    ("h n32", ["马上派人过去"], [], "cn"),
    ("h n33", ["我们这边的号码是12345"], [], "cn"),
    ("h n34", ["车票号E123456789"], [], "cn"),
    ("h n35", ["报警电话110"], [], "cn"),
    ("h n36", ["身份证号码是一二三四五"], [], "cn"),
]


# Written after HELDOUT was passing and scored once: numbers P 1.00 R 1.00 (8 of 8), all kinds P 1.00
# R 0.78 (14 of 18: a plate read with a comma, 联系人, "123456at qq", 叫 after 我姓李，木子李); then fixed.
BLIND: list[tuple[str, list, list[tuple[int, str, str]], str]] = [
    ("b1", ["我的电话是幺三八 二七二七 三八三八，身份证是四四零三零五一九九零零三零七幺二三六"], [(0,"mobile","幺三八 二七二七 三八三八"),(0,"cn_id","四四零三零五一九九零零三零七幺二三六")], "cn"),
    ("b2", ["电话号码是幺三八幺三八幺三八幺三"], [(0,"mobile","幺三八幺三八幺三八幺三")], "cn"),
    ("b3", ["我电话139，1234，5678"], [(0,"mobile","139，1234，5678")], "cn"),
    ("b4", ["喂，你好，我是住在和平小区的，三号楼四单元，五零二"], [(0,"address","和平小区的，三号楼四单元，五零二")], "cn"),
    ("b5", ["我叫王芳芳，三横王"], [(0,"name","王芳芳"), (0,"name","王")], "cn"),  # a surname spelt out is labelled too
    ("b6", ["身份证号码最后四位是幺二三四"], [], "cn"),
    ("b7", ["你记一下我老婆的电话，幺五二，零零零零，六六六六"], [(0,"mobile","幺五二，零零零零，六六六六")], "cn"),
    ("b8", ["我的QQ号是一二三四五六七八九"], [], "cn"),
    ("b9", ["银行卡尾号八八八八"], [], "cn"),
    ("b10", ["车牌是川A，幺二三四五"], [(0,"plate","川A，幺二三四五")], "cn"),
    ("b11", ["地址是在建设路一百二十三号"], [(0, "address", "建设路一百二十三号")], "cn"),
    ("b12", ["我是在幸福路上被车撞的"], [], "cn"),
    ("b13", ["今天下午三点二十分左右"], [], "cn"),
    ("b14", ["总共花了一千二百三十四块五"], [], "cn"),
    ("b15", ["我家门牌号是八十八号"], [], "cn"),
    ("b16", ["快递员电话是幺三九幺二三四五六七八"], [(0,"mobile","幺三九幺二三四五六七八")], "cn"),
    ("b17", [("ch0","张先生您好，我是幺二三四五的话务员")], [(0,"name","张")], "cn"),
    ("b18", ["联系人李四，电话零幺零，六二三四，五六七八"], [(0,"name","李四"),(0,"landline","零幺零，六二三四，五六七八")], "cn"),
    ("b19", ["我的邮箱是一二三四五六at qq dot com"], [(0,"email","一二三四五六at qq dot com")], "cn"),
    ("b20", ["这个号码一三八零零一三八零零零是我老公的"], [(0,"mobile","一三八零零一三八零零零")], "cn"),
    ("b21", ["身份证上的地址是河南省郑州市金水区花园路二十号"], [(0,"address","河南省郑州市金水区花园路二十号")], "cn"),
    ("b22", ["我姓李，木子李，叫李明明"], [(0,"name","李"),(0,"name","李明明")], "cn"),
    ("b23", ["订单号是一三八零零一三八零零零"], [], "cn"),
    ("b24", ["哦，那个二零二六一二三一到期"], [], "cn"),
    ("b25", ["我想投诉三十七路公交车司机"], [], "cn"),
]


# ---------------------------------------------------------------- the blind evaluation's categories
# Numbers generated with valid check digits (GB 11643, HKID, Luhn; checked in test_category_constants).
ID_A = "436718199907313899"
ID_AX = "51417020010909136X"
ID_A_BAD = "431518199907312578"
CARD_A = "6228688197369932"
CARD_B = "6222563272951817566"
CARD_V = "4048063581783978"
CARD_A_BAD = "6228052327928201"
HKIDS = [("K", "102761", "1"), ("Z", "612490", "A"), ("M", "652863", "0"), ("C", "037486", "3"), ("P", "257029", "0"),
         ("Y", "296111", "1"), ("H", "242262", "1")]
HKID_BAD = ("K", "385734", "8")

# (category, utterances, gold, region), as the lists above; an empty gold is a near-miss.
CATEGORY_CASES: list[tuple[str, list, list[tuple[int, str, str]], str]] = [
    # 1. groups separated by pauses and fillers, and continued after a full stop or in the next utterance
    ("pause", ["幺八二，五五六三。嗯，后面零七四幺"], [(0, "mobile", "幺八二，五五六三。嗯，后面零七四幺")], "cn"),
    ("pause", ["电话幺三七…二六八九…四零五二"], [(0, "mobile", "幺三七…二六八九…四零五二")], "cn"),
    ("pause", ["手机幺八九，嗯…六三四幺，嗯…二七零二"], [(0, "mobile", "幺八九，嗯…六三四幺，嗯…二七零二")], "cn"),
    ("pause", ["我電話係九六八二，跟住係七三四八"], [(0, "mobile", "九六八二，跟住係七三四八")], "hk"),
    ("pause", ["号码前面是幺八六，中间是幺二五幺，最后是七二九幺"], [(0, "mobile", "幺八六，中间是幺二五幺，最后是七二九幺")], "cn"),
    ("pause", ["手机幺五八七九四三，最后四位是零幺九五"], [(0, "mobile", "幺五八七九四三，最后四位是零幺九五")], "cn"),
    ("pause", ["我电话是幺三六，幺七八八。", "嗯，后面七四二六"], [(0, "mobile", "幺三六，幺七八八"), (1, "mobile", "七四二六")], "cn"),
    ("pause", ["订单号是幺二三四五，嗯，六七八九零，然后幺二三四五六七"], [], "cn"),
    ("pause", ["二零二六幺幺二五，嗯，下午三点打的"], [], "cn"),
    ("pause", ["我打了幺二三四五，然后又打了幺八二三，都没人理"], [], "cn"),
    ("pause", ["房间幺三七，嗯，二零幺七零六二三那天漏的水"], [], "cn"),
    ("pause", ["工号幺零六，嗯，工单号二零二六幺幺二五零零三"], [], "cn"),
    ("pause", ["坐幺零八路，然后转幺幺三路"], [], "cn"),
    # 2. digits read one by one with spaces, and English digit words
    ("spaced", ["电话是 一 三 九 四 七 九 零 六 一 二 五"], [(0, "mobile", "一 三 九 四 七 九 零 六 一 二 五")], "cn"),
    ("spaced", ["電話 5 2 9 5 2 7 7 7"], [(0, "mobile", "5 2 9 5 2 7 7 7")], "hk"),
    ("spaced", ["my number is nine seven four six, two zero seven two"], [(0, "mobile", "nine seven four six, two zero seven two")], "hk"),
    ("spaced", ["reach me on nine one double six, four two eight three"], [(0, "mobile", "nine one double six, four two eight three")], "hk"),
    ("spaced", ["my mobile is one three eight, three eight seven one, one two eight one"], [(0, "mobile", "one three eight, three eight seven one, one two eight one")], "cn"),
    ("spaced", ["nine three one five, oh two eight seven"], [(0, "mobile", "nine three one five, oh two eight seven")], "hk"),
    ("spaced", ["I called one two three four five three times"], [], "hk"),
    ("spaced", ["order number nine eight seven six five four three two one one two three four five six seven eight"], [], "cn"),
    ("spaced", ["第 一 二 三 条都写了"], [], "cn"),
    ("spaced", ["the bus one one three was late again"], [], "hk"),
    # 3. a country code, and 杠 or - between groups
    ("prefix", ["号码是零零八六 幺三五 三九九三 二零二二"], [(0, "mobile", "零零八六 幺三五 三九九三 二零二二")], "cn"),
    ("prefix", ["打这个 +86 139 2181 7725"], [(0, "mobile", "+86 139 2181 7725")], "cn"),
    ("prefix", ["电话加八六，幺五九，四五二零，二零零七"], [(0, "mobile", "加八六，幺五九，四五二零，二零零七")], "cn"),
    ("prefix", ["my number is (852) 9123 4567"], [(0, "mobile", "(852) 9123 4567")], "hk"),
    ("prefix", ["电话幺三八杠二二六四杠九零七幺"], [(0, "mobile", "幺三八杠二二六四杠九零七幺")], "cn"),
    ("prefix", ["电话0086-133-7697-2364"], [(0, "mobile", "0086-133-7697-2364")], "cn"),
    ("prefix", ["订单号2026-1125-0001"], [], "cn"),
    ("prefix", ["日期是2026-11-25"], [], "cn"),
    ("prefix", ["工单号幺二三杠四五六七杠八九零幺"], [], "cn"),
    ("prefix", ["客服电话400-820-8820"], [], "cn"),
    # 4. Hong Kong: 雙 for a doubled digit, call 返我, an extension after an office line
    ("hk", ["我電話係九雙八七，六二一五"], [(0, "mobile", "九雙八七，六二一五")], "hk"),
    ("hk", ["call 返我 6329 7150 呀"], [(0, "mobile", "6329 7150")], "hk"),
    ("hk", ["office 2861 3457 extension 218"], [(0, "landline", "2861 3457")], "hk"),
    ("hk", ["my mobile is six three double two, four one five nine"], [(0, "mobile", "six three double two, four one five nine")], "hk"),
    ("hk", ["打返呢個號碼，五雙三四 雙七零二"], [(0, "mobile", "五雙三四 雙七零二")], "hk"),
    ("hk", ["一雙鞋都要三百蚊"], [], "hk"),
    ("hk", ["雙十一嗰日買嘅"], [], "hk"),
    ("hk", ["extension 218 唔得，轉咗好多次"], [], "hk"),
    # 5. Hong Kong IDs read in groups, the bracket said
    ("hkid", ["身份證 K 一零二七 六一 括號 一"], [(0, "hk_id", "K 一零二七 六一 括號 一")], "hk"),
    ("hkid", ["my ID card is Z, six one two, four nine oh, bracket A"], [(0, "hk_id", "Z, six one two, four nine oh, bracket A")], "hk"),
    ("hkid", ["身份證係M 六五二，八六三，括號零"], [(0, "hk_id", "M 六五二，八六三，括號零")], "hk"),
    ("hkid", ["身份證號碼 C 零三七 四八六 括弧 三"], [(0, "hk_id", "C 零三七 四八六 括弧 三")], "hk"),
    ("hkid", ["身份證P二五七零二九，最尾係零"], [(0, "hk_id", "P二五七零二九，最尾係零")], "hk"),
    ("hkid", ["HKID Y 296 111 bracket 1"], [(0, "hk_id", "Y 296 111 bracket 1")], "hk"),
    ("hkid", ["我身份證係H，二四二二六二，括號一"], [(0, "hk_id", "H，二四二二六二，括號一")], "hk"),
    ("hkid", ["身份證 K 三八五七 三四 括號 八"], [], "hk"),  # check digit wrong
    ("hkid", ["A 座 六樓 三室嘅冷氣滴水"], [], "hk"),
    ("hkid", ["Block B 十二樓嘅升降機壞咗"], [], "hk"),
    # 6. mainland IDs with fillers, the final X said apart, split over sentences and utterances
    ("cnid", ["身份证四三六七幺八，幺九九九年的，零七三幺，三八九九"], [(0, "cn_id", "四三六七幺八，幺九九九年的，零七三幺，三八九九")], "cn"),
    ("cnid", ["身份证号五幺四幺七零，二零零幺年的，零九零九，幺三六，最后一位是叉"], [(0, "cn_id", "五幺四幺七零，二零零幺年的，零九零九，幺三六，最后一位是叉")], "cn"),
    ("cnid", ["证件号码五幺四幺七零二零零幺零九零九幺三六，最后一位是X"], [(0, "cn_id", "五幺四幺七零二零零幺零九零九幺三六，最后一位是X")], "cn"),
    ("cnid", ["身份证号四三六七幺八。嗯，幺九九九零七三幺。后面是三八九九"], [(0, "cn_id", "四三六七幺八。嗯，幺九九九零七三幺。后面是三八九九")], "cn"),
    ("cnid", ["身份证四三六七幺八，呃，幺九九九零七三幺", "然后三八九九"], [(0, "cn_id", "四三六七幺八，呃，幺九九九零七三幺"), (1, "cn_id", "三八九九")], "cn"),
    ("cnid", ["身份证四三幺五幺八，幺九九九年的，零七三幺，二五七八"], [], "cn"),  # check digit wrong
    ("cnid", ["身份证是一九九零年办的，号码我记不清了"], [], "cn"),
    ("cnid", ["身份证尾号幺二三六，最后一位是叉"], [], "cn"),
    ("cnid", ["我的身份证号是五幺四幺七零，二零零幺零九零九，幺三六，大写的X"], [(0, "cn_id", "五幺四幺七零，二零零幺零九零九，幺三六，大写的X")], "cn"),
    ("cnid", ["户口本上还是老号码110105650307123，跟身份证对不上"], [(0, "cn_id", "110105650307123")], "cn"),
    # 6b. Hong Kong IDs as held-out list 2 said them: two letters spaced, a letter's name, 字頭, a full stop or
    # 即係 inside, 雙 after a break
    ("hkid", ["My ID starts with two letters, X D five nine oh two one seven, bracket two"], [(0, "hk_id", "X D five nine oh two one seven, bracket two")], "hk"),
    ("hkid", ["my HKID is kay one oh two seven six one, bracket one"], [(0, "hk_id", "kay one oh two seven six one, bracket one")], "hk"),
    ("hkid", ["個身份證號碼，K字頭，一零，二七，六一，括號一"], [(0, "hk_id", "K字頭，一零，二七，六一，括號一")], "hk"),
    ("hkid", ["身份證號碼係C，零三七。四八六，即係，括號三"], [(0, "hk_id", "C，零三七。四八六，即係，括號三")], "hk"),
    ("hkid", ["身份證係，嗯，P，二五七零雙二，即係，括號零"], [], "hk"),  # 257022: check digit wrong
    # 6c. held-out list 3's misses: 咭 for a card, "landline", 括號入面係, "triple eight" in a number read out
    ("card", ["我嘅Master咭號碼6228688197369932，你幫我查下"], [(0, "bank_card", "6228688197369932")], "hk"),
    ("card", ["我張信用咭號碼係4048 0635 8178 3978，佢亂咁扣我錢"], [(0, "bank_card", "4048 0635 8178 3978")], "hk"),
    ("hk", ["The landline is two one two three, three one four one"], [(0, "landline", "two one two three, three one four one")], "hk"),
    ("hkid", ["身份證C037486，括號入面係3"], [(0, "hk_id", "C037486，括號入面係3")], "hk"),
    ("spaced", ["my mobile is nine triple eight, five nine two one"], [(0, "mobile", "nine triple eight, five nine two one")], "hk"),
    # 7. bank cards split over sentences
    ("card", ["卡号六二二八六八八幺。后面是九七三六九九三二"], [(0, "bank_card", "六二二八六八八幺。后面是九七三六九九三二")], "cn"),
    ("card", ["工资卡六二二二，五六三二，七二九五。嗯，幺八幺七，五六六"], [(0, "bank_card", "六二二二，五六三二，七二九五。嗯，幺八幺七，五六六")], "cn"),
    ("card", ["my card is 4048 0635. Then 8178 3978"], [(0, "bank_card", "4048 0635. Then 8178 3978")], "hk"),
    ("card", ["六二二八，六八八幺。然后九七三六，九九三二，这个是我的卡号"], [(0, "bank_card", "六二二八，六八八幺。然后九七三六，九九三二")], "cn"),
    ("card", ["银行卡是六二二八六八八幺", "九七三六九九三二"], [(0, "bank_card", "六二二八六八八幺"), (1, "bank_card", "九七三六九九三二")], "cn"),
    ("card", ["卡号六二二八零五二三。后面是二七九二八二零幺"], [], "cn"),  # Luhn fails
    ("card", ["订单号六二二八六八八幺。后面是九七三六九九三二"], [], "cn"),
    ("card", ["卡号尾号八八八八，卡里有六千二百块"], [], "cn"),
    # 8. names
    ("name", ["姓名马丽，电话我等会报"], [(0, "name", "马丽")], "cn"),
    ("name", ["我是李小红的妈妈，她在学校出事了"], [(0, "name", "李小红")], "cn"),
    ("name", ["我们经理叫孙海峰，他不管"], [(0, "name", "孙海峰")], "cn"),
    ("name", ["老王说他也听到了"], [(0, "name", "王")], "cn"),
    ("name", ["我姓冯，两点水一个马的冯"], [(0, "name", "冯"), (0, "name", "冯")], "cn"),
    ("name", ["三横王，我叫王建"], [(0, "name", "王"), (0, "name", "王建")], "cn"),
    ("name", ["我姓黃，草頭黃"], [(0, "name", "黃"), (0, "name", "黃")], "hk"),
    ("name", ["弓长张，木子李，耳东陈，口天吴，立早章"], [(0, "name", c) for c in "张李陈吴章"], "cn"),
    ("name", ["我是高中生"], [], "cn"),
    ("name", ["老房子漏水好几年了，老毛病"], [], "cn"),
    ("name", ["我是杭州人"], [], "cn"),
    ("name", ["经理说明天来，老师傅来修过一次"], [], "cn"),
    ("name", ["我是司机，被人打了"], [], "cn"),
    # 9. Hong Kong addresses in English
    ("enaddr", ["I live at Flat 7A, Block 3, 25 Castle Peak Road, Tsuen Wan"], [(0, "address", "Flat 7A, Block 3, 25 Castle Peak Road, Tsuen Wan")], "hk"),
    ("enaddr", ["my address is Room 1203, Wing Shing House, Lek Yuen Estate, Sha Tin"], [(0, "address", "Room 1203, Wing Shing House, Lek Yuen Estate, Sha Tin")], "hk"),
    ("enaddr", ["Flat B, 9th Floor, 33 Pok Fu Lam Road"], [(0, "address", "Flat B, 9th Floor, 33 Pok Fu Lam Road")], "hk"),
    ("enaddr", ["the address is Unit 808, Tower 2, 1 Harbour Road, Wan Chai."], [(0, "address", "Unit 808, Tower 2, 1 Harbour Road, Wan Chai")], "hk"),
    ("enaddr", ["我住 Flat 12C, 6/F, Kwai Hing Building, Kwai Chung"], [(0, "address", "Flat 12C, 6/F, Kwai Hing Building, Kwai Chung")], "hk"),
    ("enaddr", ["the noise comes from Nathan Road near the MTR"], [], "hk"),
    ("enaddr", ["the Block 2 lift is broken again"], [], "hk"),
    ("enaddr", ["the toilet on the 3rd floor is dirty"], [], "hk"),
]


def test_category_constants() -> None:
    assert is_cn_id(ID_A) and is_cn_id(ID_AX) and not is_cn_id(ID_A_BAD)
    assert luhn_ok(CARD_A) and luhn_ok(CARD_B) and luhn_ok(CARD_V) and not luhn_ok(CARD_A_BAD)
    assert all(hk_id_check_digit(letter, digits) == check for letter, digits, check in HKIDS)
    assert hk_id_check_digit(*HKID_BAD[:2]) != HKID_BAD[2]


def test_every_category_has_positives_and_near_misses() -> None:
    categories = {c[0] for c in CATEGORY_CASES}
    assert len(categories) == 9
    for category in categories:
        cases = [c for c in CATEGORY_CASES if c[0] == category]
        assert sum(bool(c[2]) for c in cases) >= 5 and sum(not c[2] for c in cases) >= 3, category


@pytest.mark.parametrize("case", CATEGORY_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CATEGORY_CASES)])
def test_category_case(case) -> None:
    _, spec, gold, region = case
    found = sorted((s.utterance_index, s.kind, s.text) for s in detect_pii(_utterances(spec), PiiOptions(region=region)))
    assert found == sorted(gold)


def test_a_number_over_fillers_keeps_its_word_times() -> None:
    words = _spoken_words([("手机", 0.0, 0.5), ("幺八二", 0.6, 1.2), ("，", 1.2, 1.2), ("五五六三", 1.3, 2.0), ("。", 2.0, 2.0),
                           ("嗯，", 2.4, 2.6), ("后面", 2.7, 3.0), ("零七四幺", 3.1, 3.9)])
    text = "".join(w.text for w in words)
    (span,) = detect_pii([_u(text, start=0.0, end=4.0, words=words)])
    assert span.text == "幺八二，五五六三。嗯，后面零七四幺" and (span.start_s, span.end_s) == (0.6, 3.9)


def test_a_loose_join_needs_a_strong_check() -> None:
    # over fillers, an 11-digit run is a mobile only when it starts like one and is grouped like one
    assert detect_pii_text("幺八二五，嗯，五六三零七四，然后幺") == ()
    assert detect_pii_text("房间幺三七，嗯，二零幺七零六二三") == ()  # a date after a short number
    # a 7-digit local number after 电话 is taken only when read without fillers
    assert [s.kind for s in detect_pii_text("电话八二三，四五六七")] == ["landline"]
    assert detect_pii_text("电话八二三。嗯，然后四五六七") == ()


# One case above is labelled against what a careful reader wants, not what the rules do: a date said
# right after 電話 ("hk date") is taken as a phone, on purpose (a number after 电话 is redacted). It is
# the known false positive of the list.


def _utterances(spec: list) -> tuple[Utterance, ...]:
    out = []
    for i, item in enumerate(spec):
        speaker, text = item if isinstance(item, tuple) else ("ch1", item)
        out.append(_u(text, speaker, start=i * 5.0, end=i * 5.0 + 4.0))
    return tuple(out)


def _locate(utterances, index: int, text: str, taken: list[tuple[int, int, int]] = ()) -> tuple[int, int]:
    """The first occurrence of ``text`` in the utterance that no gold span located before overlaps
    ("王" in "我叫王芳芳，三横王" is the second one)."""
    at = utterances[index].text.find(text)
    while at >= 0 and any(i == index and a < at + len(text) and at < b for i, a, b in taken):
        at = utterances[index].text.find(text, at + 1)
    assert at >= 0, f"gold text {text!r} is not in utterance {index}"
    return at, at + len(text)


def score(cases=CASES) -> dict[str, dict[str, int]]:
    """True positives, false positives and misses per kind over the case list; a finding matches a
    gold span of the same kind and utterance that it overlaps by at least half of their union."""
    counts: dict[str, dict[str, int]] = {}
    for _, spec, gold, region in cases:
        utts = _utterances(spec)
        found = detect_pii(utts, PiiOptions(region=region))
        taken: list[tuple[int, int, int]] = []
        located: dict[int, tuple[int, int]] = {}
        for g in sorted(range(len(gold)), key=lambda g: -len(gold[g][2])):  # longest first: 王芳芳 before 王
            located[g] = _locate(utts, gold[g][0], gold[g][2], taken)
            taken.append((gold[g][0], *located[g]))
        unmatched = [(i, k, *located[g]) for g, (i, k, _) in enumerate(gold)]
        for span in found:
            c = counts.setdefault(span.kind, {"tp": 0, "fp": 0, "fn": 0})
            match = next((g for g in unmatched if g[0] == span.utterance_index and g[1] == span.kind
                          and _iou((span.start_char, span.end_char), g[2:]) >= 0.5), None)
            if match:
                unmatched.remove(match)
                c["tp"] += 1
            else:
                c["fp"] += 1
        for _, kind, *_ in unmatched:
            counts.setdefault(kind, {"tp": 0, "fp": 0, "fn": 0})["fn"] += 1
    return counts


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def _pr(counts: dict[str, dict[str, int]], kinds) -> tuple[float, float]:
    tp = sum(counts.get(k, {}).get("tp", 0) for k in kinds)
    fp = sum(counts.get(k, {}).get("fp", 0) for k in kinds)
    fn = sum(counts.get(k, {}).get("fn", 0) for k in kinds)
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


NUMBERS = ("cn_id", "hk_id", "mobile", "landline", "bank_card")


def test_case_list_size() -> None:
    assert len(CASES) >= 60 and len(HELDOUT) >= 60 and len(BLIND) >= 25
    assert sum(1 for c in CASES + HELDOUT + BLIND if not c[2]) >= 60  # near-misses


@pytest.mark.parametrize("cases", [CASES, HELDOUT, BLIND], ids=["cases", "heldout", "blind"])
def test_precision_and_recall_on_the_case_lists(cases) -> None:
    counts = score(cases)
    precision, recall = _pr(counts, NUMBERS)
    assert recall >= 0.98 and precision >= 0.95, counts
    precision, recall = _pr(counts, counts)
    assert recall >= 0.95 and precision >= 0.95, counts


@pytest.mark.parametrize("case", CASES + HELDOUT + BLIND, ids=[c[0] for c in CASES + HELDOUT + BLIND])
def test_each_case(case) -> None:
    name, spec, gold, region = case
    utts = _utterances(spec)
    found = {(s.utterance_index, s.kind, s.text) for s in detect_pii(utts, PiiOptions(region=region))}
    expected = set(gold)
    if name == "hk date":
        expected = {(0, "landline", "20261125")}
    assert found == expected


# ---------------------------------------------------------------- validators


def test_check_digits_against_published_examples() -> None:
    assert cn_id_check_digit("11010519491231002") == "X"
    assert is_cn_id(ID_X) and is_cn_id(ID_X.lower()) and is_cn_id(ID_1)
    assert not is_cn_id(ID_BAD)
    assert not is_cn_id("990305199003071236")  # no province 99
    assert not is_cn_id("440305199002301236")  # 30 February
    assert is_cn_id15("110105491231002") and not is_cn_id15("110105491331002")
    assert hk_id_check_digit("A", "123456") == "3" and hk_id_check_digit("G", "123456") == "A"
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert is_cn_landline("02162345678") and is_cn_landline("075581234567") and not is_cn_landline("0123456789")
    with pytest.raises(ValueError, match="17 digits"):
        cn_id_check_digit("123")


# ---------------------------------------------------------------- spans, times, words


def _spoken_words(chunks: list[tuple[str, float, float]]) -> tuple[Word, ...]:
    return tuple(Word(t, a, b, 0.9) for t, a, b in chunks)


CALLER_WORDS = _spoken_words([
    ("我", 10.0, 10.2), ("电话", 10.2, 10.6), ("是", 10.6, 10.8), ("幺三八", 10.9, 11.6), ("，", 11.6, 11.6),
    ("二七", 11.8, 12.1), ("二七", 12.1, 12.4), ("，", 12.4, 12.4), ("三八三八", 12.6, 13.4), ("。", 13.4, 13.4),
])


def test_span_times_come_from_the_words() -> None:
    text = "".join(w.text for w in CALLER_WORDS)
    (span,) = detect_pii([_u(text, start=10.0, end=13.4, words=CALLER_WORDS)])
    assert span.kind == "mobile" and span.text == "幺三八，二七二七，三八三八"
    assert (span.start_s, span.end_s) == (10.9, 13.4)


def test_a_number_inside_one_whisper_word_times_the_whole_word() -> None:
    words = _spoken_words([("电话是幺三八", 1.0, 2.0), ("二七二七三八三八", 2.0, 3.5), ("好吗", 3.5, 4.0)])
    (span,) = detect_pii([_u("电话是幺三八二七二七三八三八好吗", start=1.0, end=4.0, words=words)])
    assert span.text == "幺三八二七二七三八三八" and (span.start_s, span.end_s) == (1.0, 3.5)


def test_no_words_means_the_whole_utterance() -> None:
    (span,) = detect_pii([_u("电话幺三八二七二七三八三八", start=3.0, end=7.5)])
    assert (span.start_s, span.end_s) == (3.0, 7.5)


def test_number_split_over_two_utterances_with_the_agent_in_between() -> None:
    utts = (
        _u("我电话是幺三八，二七二七", "ch1", 0.0, 2.0, _spoken_words([("我电话是", 0.0, 0.8), ("幺三八，二七二七", 0.8, 2.0)])),
        _u("嗯", "ch0", 2.1, 2.3),
        _u("三八三八", "ch1", 2.5, 3.3, _spoken_words([("三八三八", 2.5, 3.3)])),
    )
    spans = detect_pii(utts)
    assert [(s.utterance_index, s.text, s.start_s, s.end_s) for s in spans] == [
        (0, "幺三八，二七二七", 0.8, 2.0), (2, "三八三八", 2.5, 3.3)]
    assert spans[0].group == spans[1].group and {s.kind for s in spans} == {"mobile"}


def test_different_speakers_do_not_make_one_number() -> None:
    # the agent says 5 digits and the caller 6: no one said an 11-digit number
    utts = (_u("幺三八二七", "ch0", 0.0, 1.0), _u("二七三八三八", "ch1", 1.1, 2.0))
    assert detect_pii(utts) == ()


def test_groups_number_the_findings_in_reading_order() -> None:
    spans = detect_pii([_u("我叫张伟，电话幺三八二七二七三八三八"), _u("身份证" + ID_1, start=6.0, end=9.0)])
    assert [s.group for s in spans] == [0, 1, 2] and [s.kind for s in spans] == ["name", "mobile", "cn_id"]


def test_options_filter_kinds_and_confidence() -> None:
    text = "我叫张伟，电话幺三八二七二七三八三八"
    assert [s.kind for s in detect_pii_text(text, PiiOptions(kinds=frozenset({"mobile"})))] == ["mobile"]
    assert [s.kind for s in detect_pii_text("李女士您好")] == ["name"]  # a title alone: 0.75
    assert detect_pii_text("李女士您好", PiiOptions(min_confidence=0.8)) == ()


def test_a_number_said_after_电话_that_fails_its_checks_is_still_redacted() -> None:
    (span,) = detect_pii_text("电话是幺三八二七二七三八三八八")  # 12 digits: one too many
    assert span.kind == "mobile" and span.confidence < 0.7


def test_a_phone_read_back_in_groups_with_a_digit_lost_is_still_redacted() -> None:
    # An agent confirming the number; Whisper wrote the last 二二 as one 2, leaving a lone digit at the end.
    (span,) = detect_pii_text("电话幺88 55 44 33 2，对吗？")
    assert span.kind == "mobile" and span.text == "幺88 55 44 33 2"
    # Without a word saying it is a phone, a lone last digit still does not join.
    assert detect_pii_text("编号188 55 44 33 2，对吗？") == ()


def test_spans_are_frozen() -> None:
    span = detect_pii_text("电话13800138000")[0]
    with pytest.raises(FrozenInstanceError):
        span.kind = "name"  # type: ignore[misc]


def test_empty_input() -> None:
    assert detect_pii([]) == () and detect_pii_text("") == ()
    assert redact_utterances([]) == ((), ())


# ---------------------------------------------------------------- redaction


def test_redact_text_every_kind_has_a_placeholder() -> None:
    text = f"我叫张伟，住在青年路88号，电话13800138000，身份证{ID_1}，卡号{CARD_16}，邮箱a@b.com，车牌京A12345"
    redacted = redact_text(text, detect_pii_text(text))
    assert redacted == ("我叫[姓名]，住在[地址]，电话[手机号]，身份证[身份证号]，卡号[银行卡号]，邮箱[邮箱]，车牌[车牌]")
    assert set(PLACEHOLDERS) == {"cn_id", "hk_id", "mobile", "landline", "bank_card", "email", "plate", "address", "name"}
    assert PLACEHOLDERS["hk_id"] == "[香港身份证]" and PLACEHOLDERS["landline"] == "[电话]"


def test_redact_text_merges_overlapping_spans_under_the_stronger_kind() -> None:
    spans = [PiiSpan("address", 0, 6, 0, "", 0.8), PiiSpan("mobile", 4, 10, 0, "", 0.9)]
    assert redact_text("0123456789xyz", spans) == "[手机号]xyz"
    assert redact_text("abc", []) == "abc"


def test_redact_utterances_text_words_and_times() -> None:
    text = "".join(w.text for w in CALLER_WORDS)
    caller = _u(text, start=10.0, end=13.4, words=CALLER_WORDS)
    agent = _u("好的，请问还有别的吗？", "ch0", 14.0, 15.0, _spoken_words([("好的", 14.0, 14.3), ("，请问还有别的吗？", 14.3, 15.0)]))
    (red_caller, red_agent), spans = redact_utterances([caller, agent])
    assert red_caller.text == "我电话是[手机号]。"
    assert [w.text for w in red_caller.words] == ["我", "电话", "是", "[手机号]", "。"]
    merged = red_caller.words[3]
    assert (merged.start, merged.end, merged.probability) == (10.9, 13.4, 0.9)
    assert "".join(w.text for w in red_caller.words) == red_caller.text
    assert red_agent is agent  # nothing to redact: the same record
    assert caller.text == text  # the input is untouched
    assert [s.text for s in spans] == ["幺三八，二七二七，三八三八"]


def test_redact_words_keeps_other_characters_of_a_partly_covered_word() -> None:
    words = _spoken_words([("我叫张伟", 0.0, 1.0), ("电话是幺三八", 1.0, 2.0), ("二七二七三八三八好吗", 2.0, 3.5)])
    utt = _u("我叫张伟电话是幺三八二七二七三八三八好吗", start=0.0, end=3.5, words=words)
    (red,), spans = redact_utterances([utt])
    assert red.text == "我叫[姓名]电话是[手机号]好吗"
    assert [(w.text, w.start, w.end) for w in red.words] == [("我叫[姓名]", 0.0, 1.0), ("电话是[手机号]好吗", 1.0, 3.5)]


def test_redacted_words_never_keep_the_number_even_when_words_and_text_disagree() -> None:
    # the text was rewritten after decoding (script conversion): the words do not align with it
    words = _spoken_words([("電話", 0.0, 0.5), ("13800138000", 0.5, 2.0)])
    utt = _u("电话13800138000", start=0.0, end=2.0, words=words)
    (red,), _ = redact_utterances([utt])
    assert "13800138000" not in "".join(w.text for w in red.words)
    assert red.text == "电话[手机号]"


def test_redact_utterances_with_given_spans_and_the_split_number() -> None:
    utts = (_u("我电话是幺三八，二七二七", "ch1", 0.0, 2.0), _u("三八三八，就这个", "ch1", 2.5, 4.0))
    spans = detect_pii(utts)
    (a, b), returned = redact_utterances(utts, spans)
    assert returned == spans
    assert (a.text, b.text) == ("我电话是[手机号]", "[手机号]，就这个")


# ---------------------------------------------------------------- audio


def test_mute_spans_pad_merge_and_clip() -> None:
    spans = [
        PiiSpan("mobile", 0, 1, 0, "", 0.9, 10.9, 13.4),
        PiiSpan("mobile", 0, 1, 1, "", 0.9, 13.5, 14.0),  # 0.1 s later: merged with the padding
        PiiSpan("name", 0, 1, 2, "", 0.9, 0.05, 0.4),  # padding clipped at 0
        PiiSpan("name", 0, 1, 3, "", 0.9, 20.0, 21.0),
        PiiSpan("name", 0, 1, 4, "", 0.9),  # plain-text span: no time
    ]
    assert audio_mute_spans(spans) == [(0.0, 0.55), (10.75, 14.15), (19.85, 21.15)]
    assert audio_mute_spans(spans, pad_s=0.0, duration_s=20.5) == [(0.05, 0.4), (10.9, 13.4), (13.5, 14.0), (20.0, 20.5)]
    assert audio_mute_spans([]) == []
    with pytest.raises(ValueError, match="negative"):
        audio_mute_spans(spans, pad_s=-1)


def test_mute_spans_of_a_redacted_call() -> None:
    text = "".join(w.text for w in CALLER_WORDS)
    _, spans = redact_utterances([_u(text, start=10.0, end=13.4, words=CALLER_WORDS)])
    assert audio_mute_spans(spans, pad_s=0.1) == [(10.8, 13.5)]


# ---------------------------------------------------------------- the sample calls

SAMPLES = Path(__file__).resolve().parents[1] / "audio_samples"
# The phone numbers each sample call's reference transcript contains, read off by hand; no call holds
# any other ID, card or phone number (line numbers, 工号, prices and dates are not).
SAMPLE_PHONES = {
    "dev01_social_card": "13800123456", "dev04_medical_insurance": "15066778899", "dev06_pension_insurance": "18612345678",
    "dev07_construction_noise": "13755667788", "dev09_property_mgmt_2nd": "13622334455",
    "dev10_property_mgmt_3rd": "13622334455", "dev11_taxi_refusal": "15899887766", "dev12_garbage_collection": "13345678901",
    "dev16_missing_elder": "13987654321", "dev17_water_power_outage": "13124681357", "dev18_illegal_building": "18855443322",
    "dev20_gas_pipe_repair": "13011223344", "dev21_burst_water_main": "15933221100", "dev22_urgent_suicide": "13827273838",
    "dev23_urgent_wall_crack": "13277889900", "zh_stereo_16k_good": "13912345678", "en_stereo_8k_good": "5552184409",
}


def _sample_calls():
    paths = sorted(SAMPLES.glob("*.json")) + sorted((SAMPLES / "devset").glob("*.json"))
    return [p for p in paths if not p.name.endswith(".meta.json")]


@pytest.mark.parametrize("path", _sample_calls(), ids=lambda p: p.stem)
def test_sample_calls_numbers(path: Path) -> None:
    from qc.pii.itn import spoken_digits_to_arabic

    turns = json.loads(path.read_text(encoding="utf-8"))["turns"]
    utts = [Utterance(t["speaker"], "unknown", t["start"], t["end"], t["text"]) for t in turns]
    spans = detect_pii(utts)
    numbers = {re.sub(r"\D", "", spoken_digits_to_arabic(s.text)) for s in spans if s.kind in NUMBERS}
    expected = {SAMPLE_PHONES[path.stem]} if path.stem in SAMPLE_PHONES else set()
    assert numbers == expected
    # every utterance that says the number loses it when redacted
    redacted, _ = redact_utterances(utts, spans)
    for u in redacted:
        assert not any(n in re.sub(r"\D", "", spoken_digits_to_arabic(u.text)) for n in expected)


def test_options_refuse_what_they_do_not_know() -> None:
    with pytest.raises(ValueError, match="region"):
        PiiOptions(region="tw")
    with pytest.raises(ValueError, match="unknown kinds"):
        PiiOptions(kinds=frozenset({"passport"}))
