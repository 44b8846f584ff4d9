"""The `smtp` fixture is a real SMTP server: mail tests go through a real SMTP exchange."""

from django.core.mail import send_mail


def test_a_message_crosses_a_real_smtp_exchange(smtp) -> None:
    send_mail("Fermeture é", "Corps « ok »", "mairie@example.org", ["parent@example.org"])
    [message] = smtp.to("parent@example.org")
    assert message["Subject"] == "Fermeture é"
    assert "« ok »" in smtp.body(message)
