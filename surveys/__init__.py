"""Job-intention surveys: the questionnaire, survey forms and the career-interest self-test."""
