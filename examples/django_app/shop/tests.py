# shop/tests.py: the sign-in with twostep's Django app, against a real twostep server
# (TWOSTEP_URL and TWOSTEP_API_KEY in the environment). Run: `python manage.py test shop`.
# Codes come from pyotp, as a phone's authenticator app would compute them.
import html
import re
import time

import pyotp
from django.contrib.auth.models import User
from django.test import TestCase, override_settings

PASSWORD = "correct horse battery staple"
REJECTED = "That code was not accepted."


class TwoStepSignInTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.email = f"ada{time.time_ns()}@example.com"
        User.objects.create_user("ada", cls.email, PASSWORD)

    def sign_in(self):
        self.client = self.client_class()
        answer = self.client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
        self.assertEqual(answer.headers["Location"], "/")

    def test_setup_code_replay_and_recovery_code(self):
        self.assertRedirects(
            self.client.get("/"), "/accounts/login/?next=/", fetch_redirect_response=False
        )
        self.sign_in()
        answer = self.client.get("/", follow=True)  # to the code page, then setup: none yet
        self.assertEqual(answer.redirect_chain[-1][0], "/twostep/setup/")
        page = answer.content.decode()
        self.assertIn(f'alt="QR code for {self.email}"', page)
        key = re.search(r'<code class="key">([A-Z2-7 ]+)</code>', page).group(1)
        totp = pyotp.TOTP(key.replace(" ", ""))

        answer = self.client.post("/twostep/setup/", {"code": "000000"})
        self.assertContains(answer, "That code did not match", status_code=400)
        session_before = self.client.cookies["sessionid"].value
        answer = self.client.post("/twostep/setup/", {"code": totp.now()})
        self.assertContains(answer, "Save your recovery codes")
        recovery = re.findall(r"<li><code>([^<]+)</code></li>", answer.content.decode())
        self.assertEqual(len(recovery), 10)
        self.assertNotEqual(self.client.cookies["sessionid"].value, session_before)
        self.assertContains(self.client.get("/"), "Hello, ada")

        # A new sign-in: a wrong code refused, the next step's code accepted.
        self.sign_in()
        self.assertRedirects(
            self.client.get("/"), "/twostep/code/?next=%2F", fetch_redirect_response=False
        )
        self.assertContains(self.client.get("/twostep/code/?next=/"), "Enter your code")
        answer = self.client.post("/twostep/code/", {"code": "000000"})
        self.assertIn(REJECTED, html.unescape(answer.content.decode()))
        code = totp.at(time.time() + 30)
        answer = self.client.post("/twostep/code/", {"code": code})
        self.assertRedirects(answer, "/", fetch_redirect_response=False)
        self.assertContains(self.client.get("/"), "Hello, ada")

        # The same code again: refused. A recovery code: accepted. Never to another site.
        self.sign_in()
        self.client.get("/twostep/code/?next=//evil.example/")
        answer = self.client.post("/twostep/code/", {"code": code})
        self.assertIn(REJECTED, html.unescape(answer.content.decode()))
        answer = self.client.post("/twostep/code/", {"code": recovery[0]})
        self.assertRedirects(answer, "/", fetch_redirect_response=False)
        self.assertContains(self.client.get("/"), "You used a recovery code; 9 left.")

    @override_settings(TWOSTEP_BASE_URL="http://127.0.0.1:9/")
    def test_twostep_down_is_a_503_page(self):
        self.sign_in()
        answer = self.client.get("/twostep/code/")
        self.assertContains(answer, "Sign-in is unavailable for a moment", status_code=503)
