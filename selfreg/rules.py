"""Object permissions for the admin and DRF, defined from the access module's rules."""

import rules

from selfreg import access


@rules.predicate
def is_sector_staff(user):
    return access.is_sector_staff(user)


@rules.predicate
def manages_grouping(user, grouping):
    return grouping is not None and access.can_manage_grouping(user, grouping)


rules.add_perm("selfreg.change_areagrouping", manages_grouping)
rules.add_perm("selfreg.view_sector_tools", is_sector_staff)
