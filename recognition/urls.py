from django.urls import path

from recognition.views import review, samples

urlpatterns = [
    path("upload/", samples.upload, name="recognition-upload"),
    path("samples/", samples.sample_list, name="recognition-samples"),
    path("samples/<int:pk>/", samples.sample_detail, name="recognition-sample"),
    path("samples/<int:pk>/status/", samples.sample_status, name="recognition-sample-status"),
    path("samples/<int:pk>/pose.json", samples.sample_pose, name="recognition-sample-pose"),
    path("samples/<int:pk>/frame.png", samples.sample_frame, name="recognition-sample-frame"),
    path("samples/<int:pk>/retry/", samples.sample_retry, name="recognition-page-retry"),
    path("review/", review.review_queue, name="recognition-review"),
    path("review/<int:pk>/", review.review_submit, name="recognition-review-submit"),
    path("recognitions/", review.recognition_list, name="recognition-list"),
    path("people/<int:pk>/", review.enrolment, name="recognition-enrolment"),
    path("people/<int:pk>/erase/", review.erase, name="recognition-erase"),
]
