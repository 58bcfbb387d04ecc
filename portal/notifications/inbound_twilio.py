"""Twilio's webhooks (the door; `phone_replies` decides what an answer means).

- `POST /notify/twilio/sms/`: an SMS to the portal's number (`From`, `Body`), answered
  with TwiML `<Message>` (set as the number's "A message comes in" webhook in Twilio's
  console).
- `POST /notify/twilio/voice/`: the key pressed on a page's call (`CallSid`, `Digits`),
  the `<Gather action>` of the call's TwiML; answered with TwiML `<Say>`.
- `POST /notify/twilio/status/`: status callbacks of messages (`MessageSid`,
  `MessageStatus`) and calls (`CallSid`, `CallStatus`), passed with each request.

Every request must carry a valid `X-Twilio-Signature`: Twilio's HMAC-SHA1 over the URL it
called and the POST parameters, keyed by TWILIO_AUTH_TOKEN. The URL is rebuilt from
PORTAL_BASE_URL's scheme and host plus the request's path, so PORTAL_BASE_URL must be
the public address Twilio calls (behind a proxy too). Otherwise: 403, nothing changes.
No CSRF token (Twilio has none); no session.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from portal.notifications import phone_replies
from portal.notifications.providers import twilio_api
from portal.notifications.providers.phone_call import PROMPT, gather_url

SIGNATURE_HEADER = "X-Twilio-Signature"
View = Callable[[HttpRequest], HttpResponse]


def public_url(request: HttpRequest) -> str:
    """The URL Twilio called: PORTAL_BASE_URL's scheme and host, the request's path."""
    base = urlsplit(str(settings.PORTAL_BASE_URL))
    return f"{base.scheme}://{base.netloc}{request.get_full_path()}"


def signed_by_twilio(view: View) -> View:
    @functools.wraps(view)
    def checked(request: HttpRequest) -> HttpResponse:
        if not twilio_api.signature_valid(
            url=public_url(request),
            params=request.POST,
            signature=request.headers.get(SIGNATURE_HEADER, ""),
        ):
            return HttpResponseForbidden(
                "X-Twilio-Signature is missing or wrong for this URL (TWILIO_AUTH_TOKEN, "
                "PORTAL_BASE_URL).",
                content_type="text/plain",
            )
        return view(request)

    return csrf_exempt(require_POST(checked))


def _twiml(response: MessagingResponse | VoiceResponse) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


@signed_by_twilio
def sms(request: HttpRequest) -> HttpResponse:
    answer = phone_replies.answer_sms(
        from_number=request.POST.get("From", ""), text=request.POST.get("Body", "")
    )
    response = MessagingResponse()
    response.message(answer.text)
    return _twiml(response)


@signed_by_twilio
def voice(request: HttpRequest) -> HttpResponse:
    answer, ask_again = phone_replies.answer_keypress(
        call_sid=request.POST.get("CallSid", ""), digits=request.POST.get("Digits", "")
    )
    response = VoiceResponse()
    if ask_again:
        gather = response.gather(num_digits=1, action=gather_url(), method="POST", timeout=8)
        gather.say(f"{answer.text} {PROMPT}")
    else:
        response.say(answer.text)
    response.say("Goodbye.")
    response.hangup()
    return _twiml(response)


@signed_by_twilio
def status(request: HttpRequest) -> HttpResponse:
    post = request.POST
    if post.get("MessageSid") and post.get("MessageStatus"):
        phone_replies.record_status(
            sid=post["MessageSid"],
            status=post["MessageStatus"],
            call=False,
            error_code=post.get("ErrorCode", ""),
        )
    elif post.get("CallSid") and post.get("CallStatus"):
        phone_replies.record_status(
            sid=post["CallSid"],
            status=post["CallStatus"],
            call=True,
            error_code=post.get("ErrorCode", ""),
        )
    return HttpResponse(status=204)
