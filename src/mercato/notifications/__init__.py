"""Notifications: customer e-mail/SMS from events, preferences, 'notify me', and merchant webhooks.

The worker builds the consumers and jobs exported here; other contexts need nothing from this package
(they emit events).
"""

from mercato.notifications.channels import DevSinkSms, FileMailer, Mailer, SmsProvider, SmtpMailer
from mercato.notifications.customer_consumer import CustomerNotifier
from mercato.notifications.metrics import NotificationMetrics
from mercato.notifications.rendering import MessageRenderer
from mercato.notifications.retention import prune_finished
from mercato.notifications.sender import NotificationSender
from mercato.notifications.webhooks.consumer import WebhookFanout
from mercato.notifications.webhooks.delivery_job import WebhookDeliverer
from mercato.notifications.webhooks.signing import SIGNATURE_HEADER, verify

__all__ = [
    "SIGNATURE_HEADER",
    "CustomerNotifier",
    "DevSinkSms",
    "FileMailer",
    "Mailer",
    "MessageRenderer",
    "NotificationMetrics",
    "NotificationSender",
    "SmsProvider",
    "SmtpMailer",
    "WebhookDeliverer",
    "WebhookFanout",
    "prune_finished",
    "verify",
]
