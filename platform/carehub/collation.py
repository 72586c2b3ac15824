"""Chinese names in the order readers expect: by pinyin, as PostgreSQL's ICU collation `zh-x-icu` sorts them
(安娜, 陈七, 李四, 王五, 张三), not by code point (安娜, 张三, 李四, 王五, 赵六, 陈七)."""

from django.db.models.functions import Collate

PINYIN = "zh-x-icu"


def by_pinyin(field: str) -> Collate:
    return Collate(field, PINYIN)
