"""Webhooks: an application subscribes to events about its users and receives signed
deliveries (docs/api.md, "Webhooks").

- :mod:`.models`: subscriptions and deliveries (the outbox);
- :mod:`.events`: the event types, which application hears about which user, ``emit``;
- :mod:`.subscriptions`: made, listed, removed by administrators; the sealed secret;
- :mod:`.addresses`: where deliveries may go (public addresses only), pinned per attempt;
- :mod:`.signing`: ``Twostep-Signature: t=...,v1=...`` (HMAC-SHA256);
- :mod:`.delivery`: claiming and sending what is due, retries with backoff;
- :mod:`.worker`: the background thread of ``twostep serve``.

Use cases call ``events.emit`` in the transaction of the change they make; the edges call the
subscription services and ``events.send_test``.
"""
