"""
Translations: the banner and its messages follow the admin's language, and the shipped catalogs are complete.
"""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

import survey_report_banner

from conftest import client_for

LOCALE_DIR = Path(survey_report_banner.__file__).resolve().parent / "conf" / "locale"
SOURCE_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
SHIPPED_LANGUAGES = ["es"]

SPANISH_PARAGRAPHS = [
    "El proyecto Open edX se apoya en la fuerza colectiva de su comunidad para ser una plataforma próspera "
    "de educación en línea.",
    "Open edX es un ecosistema dinámico que se utiliza en entornos de aprendizaje muy diversos. Al compartir "
    "informes anonimizados de datos agregados, puede contribuir al conocimiento colectivo de la comunidad. "
    "Estos datos pueden ayudarnos a todos a comprender el alcance de nuestro proyecto, a tomar mejores "
    "decisiones y, en definitiva, a apoyar la innovación en el aprendizaje a lo largo de la vida y a impulsar "
    "las plataformas de aprendizaje de nueva generación.",
    "Le invitamos a sumarse a la Iniciativa de Intercambio de Datos de Open edX compartiendo informes "
    "anonimizados con datos agregados sobre el uso que su institución hace de la plataforma. Los datos del "
    "informe se enviarán a Axim Collaborative, la organización sin fines de lucro que está detrás del "
    "proyecto Open edX.",
    "Si está de acuerdo y desea enviar un informe, haga clic en el botón de abajo. En cualquier momento puede "
    "enviar informes y consultar el estado de los que ya envió en "
    '<a href="/admin/survey_report/surveyreport/">/admin/survey_report/surveyreport/</a>.',
]
SPANISH_BUTTONS = [
    '<button type="submit" class="button default survey-report-banner__button" data-retry-label="Volver a intentarlo" '
    'data-busy-label="Enviando…">Enviar informe</button>',
    '<button type="submit" class="button survey-report-banner__button" data-busy-label="Contando…">'
    "Vista previa con las cifras de este sitio</button>",
    '<button type="submit" class="button survey-report-banner__button">Descartar</button>',
]


def _html(response):
    assert response.status_code == 200
    return response.content.decode()


class TestBannerLanguage:
    """A superuser whose language is Spanish reads the whole banner in Spanish."""

    @pytest.mark.django_db
    def test_accept_language_es(self, admin_client):
        html = _html(admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es"))
        assert 'lang="es"' in html
        for paragraph in SPANISH_PARAGRAPHS:
            assert paragraph in html
        for button in SPANISH_BUTTONS:
            assert button in html
        assert "Send report" not in html
        assert "The Open edX Project relies" not in html

    @pytest.mark.django_db
    def test_language_cookie_es(self, admin_client):
        """The language a user picked (the cookie the LMS sets) wins over the browser's."""
        admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        html = _html(admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en"))
        for paragraph in SPANISH_PARAGRAPHS:
            assert paragraph in html
        for button in SPANISH_BUTTONS:
            assert button in html

    @pytest.mark.django_db
    def test_site_language_es(self, admin_client):
        """A site whose LANGUAGE_CODE is Spanish shows Spanish without any browser preference."""
        with override_settings(LANGUAGE_CODE="es"):
            html = _html(admin_client.get("/admin/"))
        assert SPANISH_PARAGRAPHS[0] in html
        assert SPANISH_BUTTONS[0] in html

    @pytest.mark.django_db
    def test_region_name_and_created_at_es(self, admin_client):
        html = _html(admin_client.get("/admin/auth/user/", HTTP_ACCEPT_LANGUAGE="es"))
        assert 'class="survey-report-banner__title">Informe de encuesta</h2>' in html
        assert ("Cuándo se contó el informe (<code>created_at</code>): mes-día-año y hora, como "
                "MM-DD-AAAA HH:MM:SS, en UTC.") in html

    @pytest.mark.django_db
    def test_english_stays_english(self, admin_client):
        html = _html(admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en"))
        assert "The Open edX Project relies on the collective strength of its community" in html
        assert ">Send report</button>" in html
        assert ">Dismiss</button>" in html
        assert "Enviar informe" not in html

    @pytest.mark.django_db
    def test_fallback_paragraph_without_report_admin(self, admin_client, monkeypatch):
        """Without the report admin, the last paragraph names the list's path, in Spanish too."""
        from survey_report_banner.context_processors import _urls  # pylint: disable=import-outside-toplevel

        monkeypatch.setattr("survey_report_banner.api.reports_url", lambda urlconf=None: None)
        _urls.cache_clear()  # the banner's URLs are memoised per URLconf
        try:
            html = _html(admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es"))
        finally:
            _urls.cache_clear()
        assert (
            "En cualquier momento puede enviar informes y consultar el estado de los que ya envió en "
            "/admin/survey_report/surveyreport/.</p>"
        ) in html


class TestMessagesLanguage:
    """The answers of both buttons are in the superuser's language."""

    @pytest.mark.django_db
    @pytest.mark.parametrize("months, expected", [
        (6, "Se descartó el aviso del informe de encuesta solo para usted: no se le volverá a preguntar durante 6 "
            "meses. Los demás superusuarios lo siguen viendo."),
        (1, "Se descartó el aviso del informe de encuesta solo para usted: no se le volverá a preguntar durante 1 "
            "mes. Los demás superusuarios lo siguen viendo."),
    ])
    def test_dismiss_message_es(self, admin_client, months, expected):
        with override_settings(SURVEY_REPORT_CHECK_THRESHOLD=months):
            response = admin_client.post(
                reverse("survey_report_banner:dismiss"), HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="es"
            )
        assert response.json() == {
            "status": "dismissed", "reports_url": "/admin/survey_report/surveyreport/",
            "message": f"{expected} Puede seguir enviando un informe en cualquier momento desde la lista de informes "
                       "de encuesta: /admin/survey_report/surveyreport/.",
        }

    @pytest.mark.django_db
    def test_dismiss_message_en_singular(self, admin_client):
        with override_settings(SURVEY_REPORT_CHECK_THRESHOLD=1):
            response = admin_client.post(
                reverse("survey_report_banner:dismiss"), HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="en"
            )
        assert response.json()["message"] == (
            "The survey report banner is dismissed for you only: you will not be asked again for 1 month. Other "
            "superusers still see it. You can still send a report at any time from the survey report list: "
            "/admin/survey_report/surveyreport/."
        )

    @pytest.mark.django_db
    def test_a_second_preview_es(self, admin_client, broker):
        from datetime import datetime, timezone as dt_timezone  # pylint: disable=import-outside-toplevel

        import time_machine  # pylint: disable=import-outside-toplevel

        from survey_report_banner import preview  # pylint: disable=import-outside-toplevel

        with time_machine.travel(datetime(2026, 3, 4, 14, 5, tzinfo=dt_timezone.utc), tick=False):
            preview.compute()
        with time_machine.travel(datetime(2026, 3, 4, 14, 8, tzinfo=dt_timezone.utc), tick=False):
            response = admin_client.post(
                reverse("survey_report_banner:preview"), HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="es"
            )
        assert response.json()["message"] == (
            "Este es el recuento de las 14:05 UTC: un recuento de menos de 5 minutos se vuelve a mostrar, no se "
            "cuenta de nuevo."
        )

    @pytest.mark.django_db
    def test_a_lost_preview_es(self, admin_client, broker):
        from datetime import timedelta  # pylint: disable=import-outside-toplevel

        import time_machine  # pylint: disable=import-outside-toplevel
        from django.utils import timezone  # pylint: disable=import-outside-toplevel

        from survey_report_banner import preview  # pylint: disable=import-outside-toplevel

        admin_client.post(reverse("survey_report_banner:preview"), HTTP_ACCEPT="application/json")
        lost = ("El recuento no terminó: ningún proceso en segundo plano lo tomó a tiempo, o el proceso se detuvo. "
                "No se envió nada. Puede volver a intentarlo.")
        with time_machine.travel(timezone.now() + preview.lock_bound() + timedelta(seconds=5), tick=False):
            response = admin_client.get(reverse("survey_report_banner:preview_result"), HTTP_ACCEPT_LANGUAGE="es")
            assert response.json() == {"status": "lost", "message": lost}
            assert lost in _html(admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es"))

    @pytest.mark.django_db
    def test_preview_without_javascript_es(self, admin_client, broker):
        from survey_report_banner.tasks import compute_report_preview  # pylint: disable=import-outside-toplevel

        admin_client.post(reverse("survey_report_banner:preview"), {"next": "/admin/"})
        html = _html(admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es"))
        assert ("Contando los totales de este sitio en un proceso en segundo plano. No se envía ni se guarda nada. "
                "Vuelva a cargar esta página en un momento para verlos aquí.") in html
        compute_report_preview()
        html = _html(admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es"))
        assert ": los totales se muestran arriba, cada uno tras lo que cuenta, y el cuerpo exacto debajo." in html

    @pytest.mark.django_db
    def test_send_message_es(self, admin_client, broker):
        response = admin_client.post(reverse("survey_report_banner:send"), HTTP_ACCEPT_LANGUAGE="es")
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "¡Gracias! El informe de encuesta se está generando y se enviará en unos minutos. Puede seguir su "
            'estado en la lista de informes de encuesta del panel de administración. '
            '<a href="/admin/survey_report/surveyreport/">Ver informes de encuesta</a>'
        ]

    @pytest.mark.django_db
    def test_send_json_message_es(self, admin_client, broker):
        """The script follows the report from there: the answer says where it is, and promises nothing."""
        response = admin_client.post(
            reverse("survey_report_banner:send"), HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="es"
        )
        assert response.json()["message"] == (
            "En cola: esperando a que un proceso en segundo plano genere el informe de encuesta."
        )

    @pytest.mark.django_db
    def test_dismiss_after_a_report_was_sent_es(self, admin_client):
        from django.utils import timezone  # pylint: disable=import-outside-toplevel

        from conftest import make_report  # pylint: disable=import-outside-toplevel

        make_report(timezone.now())  # delivered by another superuser's click
        response = admin_client.post(
            reverse("survey_report_banner:dismiss"), HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="es"
        )
        assert response.json()["message"] == (
            "Se acaba de enviar un informe de encuesta desde este sitio, así que no se le volverá a preguntar a "
            "nadie durante 6 meses."
        )

    @pytest.mark.django_db
    def test_preview_messages_es(self, admin_client, broker):
        response = admin_client.post(
            reverse("survey_report_banner:preview"), HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="es"
        )
        assert response.status_code == 202
        assert response.json()["message"] == (
            "Contando los totales de este sitio en un proceso en segundo plano. No se envía ni se guarda nada."
        )

    @pytest.mark.django_db
    def test_generate_report_forbidden_es(self, broker):
        """The guard of upstream's endpoint answers a learner in their language."""
        response = client_for("active_user").post(reverse("openedx.generate_survey_report"), HTTP_ACCEPT_LANGUAGE="es")
        assert response.status_code == 403
        assert response.content.decode() == (
            "Solo los superusuarios activos con estado de staff pueden generar informes de encuesta."
        )

    def test_model_and_app_names_es(self):
        from django.apps import apps  # pylint: disable=import-outside-toplevel

        from survey_report_banner.models import SurveyReportBannerDismissal  # pylint: disable=import-outside-toplevel

        with translation.override("es"):
            assert str(apps.get_app_config("survey_report_banner").verbose_name) == "Aviso del informe de encuesta"
            assert str(SurveyReportBannerDismissal._meta.verbose_name_plural) == (
                "descartes del aviso del informe de encuesta"
            )


def _source_entries():
    return {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(SOURCE_PO)) if not entry.obsolete}


class TestShippedCatalogs:
    """The catalogs in conf/locale are complete, compiled and up to date (``make compile_translations``)."""

    def test_source_catalog_exists(self):
        assert _source_entries(), "run `make extract_translations`"

    @pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
    def test_translation_complete(self, language):
        po = polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))
        assert po.metadata["Language"] == language
        entries = {(entry.msgctxt, entry.msgid): entry for entry in po if not entry.obsolete}
        assert set(entries) == _source_entries(), "the catalog does not match the source strings"
        assert not [entry.msgid for entry in po.untranslated_entries()]
        assert not [entry.msgid for entry in po.fuzzy_entries()]
        for entry in entries.values():
            # Placeholders survive translation (a missing %(url)s would break the link).
            translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
            for text in translations:
                for placeholder in ("%(url)s", "%(months)s"):
                    assert text.count(placeholder) == entry.msgid.count(placeholder), entry.msgid

    @pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
    def test_compiled_catalog_matches_po(self, language):
        messages = LOCALE_DIR / language / "LC_MESSAGES"
        po = polib.pofile(str(messages / "django.po"))
        mo = polib.mofile(str(messages / "django.mo"))
        compiled = {(entry.msgctxt, entry.msgid): (entry.msgstr, entry.msgstr_plural) for entry in mo}
        for entry in po.translated_entries():
            assert compiled.get((entry.msgctxt, entry.msgid)) == (entry.msgstr, entry.msgstr_plural), (
                f"{language}/LC_MESSAGES/django.mo is stale: run `make compile_translations`"
            )


class TestTruthfulStatesInSpanish:
    """Issue 21: every new sentence (causes, attempts, times, the sent line) has its Spanish."""

    CAUSES = [
        ("http:503", "error"), ("redirect:302", "error"), ("refused", "error"), ("unreachable", "error"),
        ("unrecorded", "error"), ("timeout", "error"), ("timeout", "generated"), ("", "generated"),
        ("", "processing"), ("error:ValueError: x", "error"), ("", "error"),
    ]

    @pytest.mark.parametrize("cause, state", CAUSES)
    def test_every_failure_sentence(self, cause, state):
        from survey_report_banner import wording  # pylint: disable=import-outside-toplevel

        with translation.override("en"):
            english = wording.failure_sentence(cause, state)
        with translation.override("es"):
            spanish = wording.failure_sentence(cause, state)
        assert spanish != english and spanish.startswith(("El informe de encuesta", "No se pudo")), spanish

    def test_times_attempts_and_the_sent_line(self):
        from datetime import datetime, timezone as dt_timezone  # pylint: disable=import-outside-toplevel

        from survey_report_banner import wording  # pylint: disable=import-outside-toplevel

        at = datetime(2026, 11, 25, 15, 0, tzinfo=dt_timezone.utc)
        with translation.override("es"):
            assert wording.when(at) == "25 de noviembre de 2026 a las 15:00 UTC"
            assert wording.last_attempt_sentence(at) == "Último intento: 25 de noviembre de 2026 a las 15:00 UTC."
            assert wording.exhausted_sentence(at) == (
                "Tras 3 intentos fallidos en una hora, el próximo será posible a las 15:00 UTC."
            )
            assert wording.try_again() == "Puede volver a intentarlo."
            assert wording.sent_hidden_sentence(1) == (
                "El aviso queda oculto para todos los superusuarios durante 1 mes."
            )
