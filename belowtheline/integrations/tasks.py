"""Background jobs for integrations, run by `btl worker` (django-tasks' database backend).

Jobs carry only a delivery id: the row in the database is the truth about what to send and
whether it is still wanted, so a job that runs late, twice, or after a restart does the
right thing by reading it.
"""

from django_tasks import task

from belowtheline.integrations import webhooks

# The worker takes ready jobs by priority, highest first: a publisher's webhook (a new
# comment to their app, a removal to their CMS) never waits behind a backlog of scoring,
# such as the catch-up after an outage.
DELIVERY_PRIORITY = 10


@task(priority=DELIVERY_PRIORITY)
def deliver_webhook(delivery_id: int) -> str:
    """Attempt one webhook delivery if it is still pending and due."""
    delivery = webhooks.attempt_delivery(delivery_id=delivery_id)
    return delivery.status if delivery else "nothing to do"
