"""Stage 5: services for people: occupation search, career transitions, training, job matching."""
