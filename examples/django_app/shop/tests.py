# shop/tests.py: the sign-in with twostep's Django app, against a real twostep server
# (TWOSTEP_URL and TWOSTEP_API_KEY in the environment). Run: `python manage.py test shop`.
# Codes come from pyotp, as a phone's authenticator app would compute them.
import html
import re
import time

import pyotp
from django.conf import settings
from django.contrib.auth.models import User
from django.test import TestCase, override_settings

PASSWORD = "correct horse battery staple"
REJECTED = "That code was not accepted."
MIDDLEWARE = "twostep.sdk.django.middleware.SecondFactorMiddleware"


class TwoStepSignInTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.email = f"ada{time.time_ns()}@example.com"
        User.objects.create_user("ada", cls.email, PASSWORD)

    def sign_in(self, username="ada"):
        self.client = self.client_class()
        answer = self.client.post("/accounts/login/", {"username": username, "password": PASSWORD})
        self.assertEqual(answer.headers["Location"], "/")

    def new_user(self, username, pk):
        # twostep keeps its users from test to test (Django's test database does not): each
        # test's user gets an id, so a twostep user, of its own.
        User.objects.create_user(
            username, f"{username}{time.time_ns()}@example.com", PASSWORD, pk=pk
        )

    def set_up_2fa(self):
        page = self.client.get("/twostep/setup/").content.decode()
        key = re.search(r'<code class="key">([A-Z2-7 ]+)</code>', page).group(1)
        totp = pyotp.TOTP(key.replace(" ", ""))
        answer = self.client.post("/twostep/setup/", {"code": totp.now()})
        self.assertContains(answer, "Save your recovery codes")
        return totp

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

    def test_the_middleware_leaves_login_logout_twostep_and_exempt_views_alone(self):
        self.new_user("cid", pk=1001)
        self.sign_in("cid")  # no second factor yet
        code_page = "/twostep/code/?next=%2F"
        self.assertRedirects(self.client.get("/"), code_page, fetch_redirect_response=False)
        self.assertRedirects(
            self.client.post("/"), code_page, fetch_redirect_response=False
        )  # a form sent without a second factor is not run either
        self.assertContains(self.client.get("/help/"), "Lost your phone?")  # @second_factor_exempt
        with self.settings(TWOSTEP_EXEMPT_URL_NAMES=["login", "logout", "home"]):
            self.assertContains(self.client.get("/"), "Hello, cid")
        self.assertContains(self.client.get("/accounts/login/"), "Password")  # login
        self.assertRedirects(  # no 2FA yet: the code page sends to setup, no loop
            self.client.get("/twostep/code/"), "/twostep/setup/", fetch_redirect_response=False
        )
        self.assertContains(self.client.get("/twostep/setup/"), "QR code")
        answer = self.client.post("/accounts/logout/")  # logout
        self.assertRedirects(answer, "/accounts/login/", fetch_redirect_response=False)
        self.assertRedirects(
            self.client.get("/"), "/accounts/login/?next=/", fetch_redirect_response=False
        )

    def test_without_the_middleware_the_decorator_protects_its_view(self):
        without = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
        with self.settings(MIDDLEWARE=without):
            self.sign_in()
            self.assertContains(self.client.get("/"), "Hello, ada")  # not protected now
            self.assertRedirects(
                self.client.get("/account/"),
                "/twostep/code/?next=%2Faccount%2F",
                fetch_redirect_response=False,
            )

    @override_settings(TWOSTEP_REQUIRE="policy")
    def test_with_the_policy_setting_a_user_twostep_does_not_require_passes(self):
        # twostep's policy requires no 2FA of this user (its default): in without a code.
        self.new_user("bea", pk=1002)
        self.sign_in("bea")
        self.assertContains(self.client.get("/"), "Hello, bea")
        self.assertContains(self.client.get("/account/"), "Hello, bea")
        # Set up by choice: from then on, the code is asked at every sign-in.
        self.set_up_2fa()
        self.sign_in("bea")
        self.assertRedirects(
            self.client.get("/"), "/twostep/code/?next=%2F", fetch_redirect_response=False
        )

    @override_settings(TWOSTEP_REQUIRE="sometimes")
    def test_a_wrong_require_setting_is_refused(self):
        self.sign_in()
        with self.assertRaisesMessage(Exception, "TWOSTEP_REQUIRE must be one of always, policy"):
            self.client.get("/")

    @override_settings(TWOSTEP_BASE_URL="http://127.0.0.1:9/")
    def test_twostep_down_is_a_503_page(self):
        self.sign_in()
        answer = self.client.get("/twostep/code/")
        self.assertContains(answer, "Sign-in is unavailable for a moment", status_code=503)
        with self.settings(TWOSTEP_REQUIRE="policy"):  # asks twostep on every protected page
            answer = self.client.get("/")
            self.assertContains(answer, "Sign-in is unavailable for a moment", status_code=503)
