import re

from django.core import mail

from .conftest import client_for


def test_password_reset_mail_links_to_the_units_own_host(alpha, beta):
    client = client_for(alpha.host)
    assert client.post("/accounts/password-reset/", {"email": "admin@alpha.test"}).status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    assert f"//{alpha.host}/accounts/reset/" in link
    # The same address at beta has no account there: no mail.
    client_for(beta.host).post("/accounts/password-reset/", {"email": "admin@alpha.test"})
    assert len(mail.outbox) == 1


def test_password_reset_link_sets_a_new_password(alpha):
    client = client_for(alpha.host)
    client.post("/accounts/password-reset/", {"email": "admin@alpha.test"})
    path = "/" + re.search(r"https?://[^/]+/(\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    response = client.post(form_page.redirect_chain[-1][0],
                           {"new_password1": "Another-long-pass-9", "new_password2": "Another-long-pass-9"})
    assert response.status_code == 302
    login = client_for(alpha.host).post("/accounts/login/", {"username": "admin@alpha.test",
                                                             "password": "Another-long-pass-9"})
    assert login.status_code == 302
