from django import template

from edc.access import roles

register = template.Library()


@register.simple_tag
def can_download_casebook(user) -> bool:
    """May ``user`` download PDF casebooks (the table's ``DOWNLOAD_CASEBOOK`` row)?"""
    return roles.role_can(user, roles.DOWNLOAD_CASEBOOK)


@register.simple_tag
def can_archive_casebooks(user) -> bool:
    return roles.role_can(user, roles.ARCHIVE_CASEBOOKS)
