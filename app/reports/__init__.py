"""Reports for the employment centre: the demand summary and the demand–supply gap."""
