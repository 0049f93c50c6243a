"""Campaigns: enforcement campaigns (专项整治) and outreach campaigns such as 3·15."""
