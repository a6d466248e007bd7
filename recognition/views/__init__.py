"""Recognition pages: upload with live progress, samples and their skeletons, the review queue,
enrolment and erasure of a person's gait data. Pages never run the network or pose model: they
store uploads and read what the worker wrote (recognition.services, recognition.selectors)."""
