"""The tumour-assessment API never answers the new-lesion question for the investigator."""

from assessments.api.serializers import NEW_LESION_REQUIRED
from assessments.models import TumourAssessment

from .test_api import baseline_payload, followup_payload


def test_a_follow_up_without_the_new_lesion_answer_is_refused_not_saved_as_none(
    api, investigator, patient
):
    client = api(investigator)
    baseline = client.post(
        "/api/v1/tumour-assessments/", baseline_payload(patient), format="json"
    ).json()
    payload = followup_payload(patient, baseline)
    del payload["new_lesion"]
    response = client.post("/api/v1/tumour-assessments/", payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"new_lesion": [NEW_LESION_REQUIRED]}
    assert TumourAssessment.objects.count() == 1

    response = client.post(
        "/api/v1/tumour-assessments/", payload | {"new_lesion": "none"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["new_lesion"] == "none"
