"""How benchmarking pages show figures."""

from django import template

from benchmarking.charts import format_value

register = template.Library()


@register.filter
def metric_value(value, metric):
    """A value as people read it: the metric's decimals and unit ("56.2%", "£1,204")."""
    return format_value(value, metric.chart_info())
