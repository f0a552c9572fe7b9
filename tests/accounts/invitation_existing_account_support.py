"""The refusal an invitation to an address that already has an account with that role gets,
in each language (the single and the bulk invitation tests')."""

SAME_ROLE = {
    "en": "This address already has an account with the role “Clinician”: there is nothing to "
    "invite.",
    "de": "Diese Adresse hat bereits ein Konto mit der Rolle „Behandelnde Person“: Es gibt "
    "nichts einzuladen.",
    "es": "Esta dirección ya tiene una cuenta con el rol «Profesional sanitario»: no hay nada "
    "que invitar.",
}
