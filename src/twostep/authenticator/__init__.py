"""The authenticator app (``twostep-auth``): an encrypted vault of OTP accounts for the terminal."""
