"""Charts for each reader: plotly's zh-CN locale (month and day names, toolbar) and a CJK font stack.

plotly.js ships its locales as separate scripts that the Python package does not carry, so the zh-CN locale
is registered here (``Plotly.register``, the format plotly.js's ``locales/zh-cn.js`` uses) right after
plotly.js in a page; a figure then renders with ``config={"locale": "zh-CN"}``. The font stack puts the
CJK fonts that Linux distributions install (Noto Sans CJK SC, Source Han Sans SC, WenQuanYi) before the
macOS and Windows ones, in page CSS and in the figures' own font.
"""

from __future__ import annotations

import json
from typing import Any

from workshift.i18n import normalise_lang

FONT_STACK = ('"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","Source Han Sans CN","PingFang SC",'
              '"Microsoft YaHei","WenQuanYi Micro Hei",system-ui,-apple-system,"Segoe UI",sans-serif')
PLOTLY_LOCALE = {"en": "en", "zh": "zh-CN"}
_ZH_CN = {
    "moduleType": "locale",
    "name": "zh-CN",
    "dictionary": {
        "Autoscale": "自动缩放", "Box Select": "矩形框选择", "Lasso Select": "套索选择",
        "Download plot as a png": "下载图表为 PNG 格式", "Download plot": "下载图表",
        "Pan": "平移", "Reset axes": "重置坐标轴", "Reset view": "重置视图", "Zoom": "缩放",
        "Zoom in": "放大", "Zoom out": "缩小", "Toggle Spike Lines": "切换辅助线",
        "Show closest data on hover": "悬停显示最近的数据", "Compare data on hover": "悬停比较数据",
        "Produced with Plotly.js": "由 Plotly.js 生成", "Double-click to zoom back out": "双击恢复缩放",
        "trace": "数据系列", "Trace": "数据系列",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月",
                   "十二月"],
        "shortMonths": [f"{m}月" for m in range(1, 13)],
        "date": "%Y-%m-%d",
        "decimal": ".",
        "thousands": ",",
    },
}


def plotly_config(lang: str | None = None) -> dict[str, Any]:
    """The ``config`` of a figure drawn for a reader of ``lang``."""
    return {"displaylogo": False, "locale": PLOTLY_LOCALE[normalise_lang(lang)]}


def locale_script(lang: str | None = None) -> str:
    """The ``<script>`` that registers plotly's locale for ``lang`` (empty for English, plotly's default);
    it must come after plotly.js and before the first figure."""
    if normalise_lang(lang) != "zh":
        return ""
    return f"<script>Plotly.register({json.dumps(_ZH_CN, ensure_ascii=False)});</script>"


def figure_html(fig, lang: str | None = None, include_plotlyjs: bool = False) -> str:
    """One figure as an HTML div in ``lang``'s locale and font; with plotly.js (and the locale) when asked."""
    fig.update_layout(font_family=FONT_STACK)
    div = fig.to_html(full_html=False, include_plotlyjs=False, config=plotly_config(lang))
    if not include_plotlyjs:
        return div
    from plotly.offline import get_plotlyjs  # plotly is heavy: loaded only when a page is written

    return f"<script>{get_plotlyjs()}</script>{locale_script(lang)}{div}"
