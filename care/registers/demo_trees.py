"""Organisation trees of the demo units, and where in them each demo member belongs.

Ganjingzi follows the source figures: the district committee, its 15 streets, 112 communities and 47 villages
(all "grassroots" nodes of kind community) and 110 branches (党支部). A large community holds two or three
branches (the last one for its retired members), a middling one holds one, and a small community or village
keeps its members on its own node, the way a small community's Party organisation is itself a branch. Old urban
streets are bigger than the rural ones. The school, the hospital and the enterprise have their committee,
general branches (党总支) and department branches, with a branch for retired staff where they have one.

A tree is a list of `NodeSpec`s, parents first, each identified by its chain of names below the root; the demo
command creates the missing ones and looks the others up, so the same spec always maps onto the same nodes.
"""

import math
import random
from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate

from care.registers.models import MemberStatus, NodeKind

# (street, members weight: the old urban streets are the big ones, communities, villages)
GANJINGZI_STREETS = [
    ("周水子街道", 1.35, ["周水子社区", "西山社区", "东纬路社区", "华北路社区", "机场前社区", "金三角社区",
                          "明珠社区", "虹港社区", "北山社区", "周兴社区"], []),
    ("甘井子街道", 1.35, ["甘井子社区", "华南社区", "北甘社区", "工兴社区", "前关社区", "后盐社区",
                          "山东路社区", "春柳社区", "红岭社区", "甘东社区"], []),
    ("中华路街道", 1.3, ["中华路社区", "东北路社区", "锦华社区", "和平社区", "幸福社区", "松江社区",
                         "福佳社区", "华东社区", "东方社区"], []),
    ("兴华街道", 1.25, ["兴华社区", "华北社区", "新华社区", "红星社区", "东华社区", "工华社区", "西华社区",
                        "华丰社区", "兴工社区"], []),
    ("红旗街道", 1.2, ["红旗社区", "红凌社区", "红旗西社区", "红港社区", "岔鞍社区", "红源社区", "红运社区",
                       "红新社区", "英歌石社区"], []),
    ("泉水街道", 1.2, ["泉水社区", "泉水南社区", "泉水北社区", "泉馨社区", "泉景社区", "泉华社区",
                       "锦泉社区", "龙泉社区", "泉达社区"], []),
    ("椒金山街道", 1.15, ["椒金山社区", "椒房社区", "金山社区", "千山社区", "东山社区", "南岭社区",
                          "虹桥社区", "宝山社区"], []),
    ("机场街道", 1.0, ["机场社区", "迎客路社区", "航空社区", "空港社区", "龙畔社区", "航华社区", "北航社区"], []),
    ("七贤岭街道", 0.85, ["七贤岭社区", "凌水社区", "黄浦路社区", "贤德社区", "文苑社区", "学苑社区"], []),
    ("南关岭街道", 0.8, ["南关岭社区", "姚家社区", "南岭东社区", "北关社区", "关岭社区", "振兴社区",
                         "南华社区"], ["南关岭村", "姚家村", "北关村", "洪家村"]),
    ("辛寨子街道", 0.7, ["辛寨子社区", "辛华社区", "辛盛社区", "康平社区", "新兴社区", "欣荣社区",
                         "盛华社区"], ["辛寨子村", "西北村", "南沟村", "龙塘村", "东岗村"]),
    ("革镇堡街道", 0.6, ["革镇堡社区", "夏家河社区", "鞍子山社区", "革新社区", "镇兴社区"],
     ["革镇堡村", "夏家河村", "鞍子山村", "前革村", "后革村", "土城子村", "李家村", "刘家村", "毛家村"]),
    ("营城子街道", 0.6, ["营城子社区", "城兴社区", "营东社区", "营西社区", "沙岗社区"],
     ["营城子村", "沙岗村", "后牧村", "前牧村", "双台沟村", "大黑石村", "小黑石村", "黄龙尾村", "北屯村",
      "大房身村", "五一村", "七一村", "后山村", "韩家村"]),
    ("大连湾街道", 0.55, ["大连湾社区", "湾里社区", "海湾社区", "渔港社区", "湾东社区"],
     ["大连湾村", "棋盘磨村", "毛茔子村", "柳树村", "苏家村", "金家村", "姜家村"]),
    ("杨家街道", 0.5, ["杨家社区", "王家社区", "杨兴社区", "石门社区", "前石社区", "郭家社区"],
     ["杨家村", "王家村", "石门村", "郭家村", "张家村", "前石村", "后石村", "邵家村"]),
]
GANJINGZI_BRANCHES = 110
# How many grassroots nodes (the biggest first) hold 3, 2 and 1 branches: 5*3 + 15*2 + 65 = 110.
BRANCH_TIERS = ((5, 3), (15, 2), (65, 1))
RETIRED_BRANCH = "离退休党支部"


@dataclass(eq=False)
class NodeSpec:
    names: tuple  # the chain of names below the root; () is the root
    kind: str
    weight: float = 0.0  # members weight, for the nodes that hold members
    retired: bool = False  # holds the retired (and, in a district, the elderly) members of its group
    place: str = ""  # the address prefix of its members, for district nodes
    group: "Group | None" = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.names[-1] if self.names else ""


@dataclass(eq=False)
class Group:
    """Nodes whose members share a place: a community with its branches, or a whole organisation."""

    weight: float
    holders: list = field(default_factory=list)


def _cumulative(weights):
    return list(accumulate(weights))


@dataclass
class DemoTree:
    root_kind: str
    nodes: list  # NodeSpec, parents first (the root, names=(), is not among them)
    groups: list
    seniors_by_age: bool  # members aged 60+ go to the retired branch (district) or only retired members do

    def __post_init__(self):
        self._group_cum = _cumulative(group.weight for group in self.groups)
        self._split = {}
        for group in self.groups:
            retired = [node for node in group.holders if node.retired]
            others = [node for node in group.holders if not node.retired] or retired
            self._split[id(group)] = (retired, others, _cumulative(node.weight for node in others),
                                      _cumulative(node.weight for node in retired))

    @property
    def holders(self) -> list:
        return [node for group in self.groups for node in group.holders]

    def place(self, rng: random.Random, age: int, status: str) -> NodeSpec:
        """The node a member of this age and status belongs to (one or two draws from `rng`)."""
        group = self.groups[bisect(self._group_cum, rng.random() * self._group_cum[-1])]
        retired, others, others_cum, retired_cum = self._split[id(group)]
        senior = status == MemberStatus.RETIRED or (status == MemberStatus.DECEASED and age >= 60) or (
            self.seniors_by_age and age >= 60)
        if retired and senior:
            candidates, cum = retired, retired_cum
        else:
            candidates, cum = others, others_cum
        if len(candidates) == 1:
            return candidates[0]
        return candidates[bisect(cum, rng.random() * cum[-1])]


def _branch_names(stem: str, count: int) -> list[tuple[str, bool]]:
    """(name, holds the retired members) of a grassroots node's branches."""
    if count == 1:
        return [(f"{stem}党支部", False)]
    ordinary = [f"{stem}党支部"] if count == 2 else [f"{stem}{ordinal}党支部" for ordinal in ("第一", "第二")]
    return [(name, False) for name in ordinary] + [(f"{stem}{RETIRED_BRANCH}", True)]


def ganjingzi_tree() -> DemoTree:
    rng = random.Random("carehub-demo:ganjingzi-tree")
    grassroots = []  # (street, name, members weight)
    for street, street_weight, communities, villages in GANJINGZI_STREETS:
        for name in communities + villages:
            village = name.endswith("村")
            grassroots.append((street, name, street_weight * (0.45 if village else 1.0) * math.exp(rng.gauss(0, 0.35))))
    tiers = [branches for count, branches in BRANCH_TIERS for _ in range(count)]
    ranked = sorted(range(len(grassroots)), key=lambda index: -grassroots[index][2])
    branch_count = {index: tiers[rank] if rank < len(tiers) else 0 for rank, index in enumerate(ranked)}

    nodes, groups = [], []
    index = 0
    for street, _weight, communities, villages in GANJINGZI_STREETS:
        nodes.append(NodeSpec((street,), NodeKind.STREET))
        for name in communities + villages:
            weight, place = grassroots[index][2], f"{street}{name}"
            group = Group(weight)
            community = NodeSpec((street, name), NodeKind.COMMUNITY, place=place)
            nodes.append(community)
            if branch_count[index] == 0:
                community.weight, community.group = 1.0, group
                group.holders.append(community)
            for branch, retired in _branch_names(name, branch_count[index]) if branch_count[index] else []:
                spec = NodeSpec((street, name, branch), NodeKind.BRANCH, 1.0, retired=retired, place=place,
                                group=group)
                nodes.append(spec)
                group.holders.append(spec)
            groups.append(group)
            index += 1
    return DemoTree(NodeKind.DISTRICT, nodes, groups, seniors_by_age=True)


def _organisation(root_kind: str, layout: list) -> DemoTree:
    """layout: (general branch or None, [(branch, weight, retired)])."""
    nodes, group = [], Group(1.0)
    for general, branches in layout:
        prefix = ()
        if general:
            prefix = (general,)
            nodes.append(NodeSpec(prefix, NodeKind.GENERAL_BRANCH))
        for name, weight, retired in branches:
            spec = NodeSpec((*prefix, name), NodeKind.BRANCH, weight, retired=retired, group=group)
            nodes.append(spec)
            group.holders.append(spec)
    return DemoTree(root_kind, nodes, [group], seniors_by_age=False)


SCHOOL_LAYOUT = [
    ("文科党总支", [("语文组党支部", 14, False), ("英语组党支部", 13, False), ("政史地党支部", 12, False)]),
    ("理科党总支", [("数学组党支部", 14, False), ("理化生党支部", 16, False)]),
    ("体艺后勤党总支", [("体艺党支部", 8, False), ("行政后勤党支部", 10, False)]),
    (None, [("离退休教职工党支部", 1, True)]),
]
HOSPITAL_LAYOUT = [
    ("内科党总支", [("心内科党支部", 9, False), ("呼吸科党支部", 7, False), ("消化内科党支部", 7, False),
                    ("神经内科党支部", 7, False)]),
    ("外科党总支", [("普外科党支部", 9, False), ("骨科党支部", 8, False), ("神经外科党支部", 6, False),
                    ("妇产科党支部", 7, False)]),
    ("医技党总支", [("检验科党支部", 6, False), ("影像科党支部", 6, False), ("药剂科党支部", 5, False)]),
    ("行政后勤党总支", [("护理部党支部", 8, False), ("机关党支部", 7, False), ("后勤保障党支部", 5, False)]),
    ("离退休党总支", [("离退休第一党支部", 1, True), ("离退休第二党支部", 1, True)]),
]
ENTERPRISE_LAYOUT = [
    (None, [("生产党支部", 50, False), ("销售党支部", 25, False), ("机关党支部", 25, False)]),
]


def tree_for(kind: str) -> DemoTree:
    if kind == "district":
        return ganjingzi_tree()
    if kind == "school":
        return _organisation(NodeKind.COMMITTEE, SCHOOL_LAYOUT)
    if kind == "hospital":
        return _organisation(NodeKind.COMMITTEE, HOSPITAL_LAYOUT)
    return _organisation(NodeKind.COMMITTEE, ENTERPRISE_LAYOUT)
