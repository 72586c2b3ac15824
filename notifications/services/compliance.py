"""Template compliance at a provider that sends only approved templates (Alibaba Cloud SMS, mainland China): the
rules its published norms set (短信签名规范, 通知短信模板规范 and 推广短信模板规范, 短信发送规则, 短信发送频率限制)
that a text can be checked against before anyone submits it, shown in the template editor and enforced before
sending (notifications.services.refusals), with the template's approval as the unit's admin copied it from the
vendor's console.

Checked: the signature (2-12 characters, Chinese, letters or digits, not digits only, no brackets: it is shown
as 【signature】); one message at most 70 characters, signature and brackets included, with every variable at its
longest (`VARIABLES`: a name 10 characters, a date 11, a number 3, a festival 10, the task list 35 (the vendor's
limit for one variable, which the adapter cuts to), the unit's name as it is); no links; no 【】 anywhere and no
[ ] at either end of the text; none of the symbols the vendor refuses; each variable once, never two side by side,
never a text of variables alone; greetings (the vendor files birthday and festival care as promotional messages)
ending with the vendor's refusal words "拒收请回复R". Each variable has a type (name, date, number, other), the
attribute to choose for it in the vendor's console.

Not checked, but said: the cap per phone. For notifications Alibaba Cloud takes at most 50 a day per signature
and template to one phone (over the last 24 hours); its 1 a minute, 5 an hour and 10 a day are for verification
codes, which Carehub never sends. The unit's own cap per recipient (at most 20 a day) always stays under it.
Content the vendor refuses by category (party and government wording among others) is its reviewers' call: a
text they refuse is "rejected" in its console, and so here.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carehub.clock import current_unit
from notifications import rendering
from notifications.models import Approval, Category, Template
from notifications.services.config import get_settings

MAX_CHARACTERS = 70  # one message, signature included (短信发送规则: longer is billed in parts of 67)
MAX_VARIABLE = 35  # characters of one variable's value
DAILY_CAP = 50  # notifications per signature and template to one phone over 24 hours (the vendor's)
SIGNATURE = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]{2,12}$")
REFUSAL_WORDS = "拒收请回复R"  # the vendor's required ending of a promotional message
LINK = re.compile(r"(https?://|www\.|\b[\w-]+\.(com|cn|net|org|gov|edu|top|xyz|info|cc)\b)", re.IGNORECASE)
SYMBOLS = set("#『』「」〖〗•①②③★☆※→←↑↓●■◆▲√")


@dataclass(frozen=True)
class Kind:
    word: str  # as people read it
    vendor: str  # the variable's attribute in Alibaba Cloud's console


NAME = Kind(gettext_lazy("a person's name"), "人名")
DATE = Kind(gettext_lazy("a date"), "时间")
NUMBER = Kind(gettext_lazy("a number"), "仅数字")
OTHER = Kind(gettext_lazy("other text"), "其他")
# Our variables: their type and the longest value assumed (None: the unit's name, whose length is known).
VARIABLES = {
    "member_name": (NAME, 10), "visitor": (NAME, 10), "date": (DATE, 11), "years": (NUMBER, 3),
    "count": (NUMBER, 3), "occasion": (OTHER, 10), "tasks": (OTHER, MAX_VARIABLE), "unit_name": (OTHER, None),
}
# Why a message may not go to a provider of approved templates (codes of notifications.services.refusals).
NO_TEMPLATE, NOT_APPROVED, NOT_COMPLIANT = "no-template", "not-approved", "not-compliant"


@dataclass
class Review:
    """What a text is at the provider: its problems, its longest form and what to submit in the console."""

    problems: list[str] = field(default_factory=list)
    characters: int = 0  # of the message at its longest, as the phone shows it: 【signature】text
    vendor_text: str = ""  # the text to submit at Alibaba Cloud: ${member_name} for each variable
    variables: list[dict] = field(default_factory=list)  # word, type, attribute in the console, longest


def signature_problems(sign_name: str) -> list[str]:
    """What is wrong with a signature (短信签名规范), in words; [] when nothing is."""
    if not sign_name:
        return [_("Enter the unit's signature, as Alibaba Cloud approved it.")]
    if not SIGNATURE.match(sign_name) or sign_name.isdigit():
        return [_("A signature has 2 to 12 characters: Chinese characters, letters or digits (not digits alone), "
                  "without spaces, brackets or other symbols; 【】 are added when it is sent.")]
    return []


def _longest_value(name: str, unit_name: str) -> str:
    length = VARIABLES[name][1]
    return unit_name if length is None else "x" * length


def review(body: str, *, category: str, sign_name: str, unit_name: str) -> Review:
    """Check the template text `body` (variables by name) against the vendor's rules for a message of
    `category` sent under `sign_name` by the unit `unit_name`."""
    body = rendering.canonical(body or "")
    names = rendering.PATTERN.findall(body)
    known = [name for name in names if name in VARIABLES]
    result = Review(vendor_text=rendering.PATTERN.sub(lambda match: f"${{{match.group(1)}}}", body))
    result.variables = [{"word": rendering.words([name])[0]["word"], "kind": str(VARIABLES[name][0].word),
                         "vendor": VARIABLES[name][0].vendor,
                         "longest": len(_longest_value(name, unit_name))} for name in dict.fromkeys(known)]
    text = rendering.render(body, {name: _longest_value(name, unit_name) for name in known})
    result.characters = len(text) + max(len(sign_name), 2) + 2  # 【】 around the signature
    problems = result.problems
    if result.characters > MAX_CHARACTERS:
        problems.append(_("At its longest the message has %(count)d characters with the signature; one message "
                          "holds %(limit)d. Shorten it by %(over)d.") % {
            "count": result.characters, "limit": MAX_CHARACTERS, "over": result.characters - MAX_CHARACTERS})
    if LINK.search(body):
        problems.append(_("Links are not allowed in the text."))
    if "【" in body or "】" in body:
        problems.append(_("【 and 】 are not allowed in the text: they mark the signature."))
    if body.strip()[:1] in "[［" or body.strip()[-1:] in "]］":
        problems.append(_("The text may not begin or end with [ or ]."))
    if symbols := sorted({char for char in body if char in SYMBOLS}):
        problems.append(_("Symbols Alibaba Cloud does not accept: %(symbols)s") % {"symbols": " ".join(symbols)})
    for name in sorted({name for name in known if known.count(name) > 1}):
        problems.append(_("%(variable)s appears more than once; each variable may appear once.") % {
            "variable": rendering.words([name])[0]["word"]})
    if re.search(r"\}\s*\{", body):
        problems.append(_("Two variables stand side by side: put words between them."))
    if names and not rendering.PATTERN.sub("", body).strip(" ，,。.：:!！"):
        problems.append(_("The text needs words of its own besides the variables."))
    if category == Category.GREETING and not body.rstrip().endswith(REFUSAL_WORDS):
        problems.append(_("Alibaba Cloud sends birthday and festival greetings as promotional messages, whose text "
                          "must end with “%(words)s”.") % {"words": REFUSAL_WORDS})
    return result


def template_review(body: str, category: str) -> Review:
    """`review` for this unit: its signature and its name."""
    return review(body, category=category, sign_name=get_settings().sign_name, unit_name=current_unit().name)


def template_refusals(templates) -> dict[tuple[str, str], str]:
    """Of the templates `templates` ((key, language) each; key "" for a text typed by staff), those a provider
    of approved templates may not send: (key, language) -> reason code (NO_TEMPLATE, NOT_APPROVED,
    NOT_COMPLIANT). One query, and one review per template."""
    templates = set(templates)
    rows = {(row.key, row.language): row for row in Template.objects.filter(
        key__in={key for key, _language in templates if key})}
    sms, unit_name = get_settings(), current_unit().name
    refused = {}
    for key, language in templates:
        row = rows.get((key, language))
        if not key:
            refused[key, language] = NO_TEMPLATE
        elif row is None or not row.vendor_code or row.approval != Approval.APPROVED:
            refused[key, language] = NOT_APPROVED
        elif review(row.body, category=row.category, sign_name=sms.sign_name, unit_name=unit_name).problems:
            refused[key, language] = NOT_COMPLIANT
    return refused
