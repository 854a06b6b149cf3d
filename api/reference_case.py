"""The reference retention form as API requests, with its personal data fictional.

A clinic (tipo J) in Manaus asked to leave the network. The operator's
collaborator tried to reach the dentist many times from 03/10/2023 and
offered support, promotion in the directory and the yearly readjustment.
The dentist still left over fees ("Valores") on 26/01/2024.
"""

from typing import Any

OPEN_CASE: dict[str, Any] = {
    "collaborator": "MARINA SOUZA ALVES",
    "operator": "ODONTOLIFE",
    "provider": {
        "person_type": "J",
        "cnpj": "31.827.465/0001-44",
        "dentist_name": "RAFAEL TEIXEIRA MONTEIRO",
        "cpf": "528.147.306-90",
        "cro": {"number": "4821", "uf": "AM"},
    },
    "cro_count": 2,
    "credentialed_on": "26/01/2023",
    "demanded_by": "operator",
    "protocol_number": "SAD10482736519",
    "protocol_opened_on": "05/10/2023",
    "uf": "AM",
    "city": "MANAUS",
    "lives_in_area": "4.886",
    "unique_cros_listed": 212,
    "serves_other_plans": None,
    "us_value": "0,30",
    "last_production_on": None,
    "last_production_value": None,
}

# (trigger, body) in the order the form records them. Times are Manaus local time (-04:00).
STEPS: list[tuple[str, dict[str, Any]]] = [
    ("attempt_contact", {"occurred_at": "2023-10-03T08:35:00-04:00", "channel": "phone", "outcome": "no_answer",
                         "contact": "(92) 98000-1111",
                         "notes": "1ª TENTATIVA DE CONTATO 03/10/2023 08:35 - Telefone e Whatsapp"}),
    ("attempt_contact", {"occurred_at": "2023-10-05T15:43:00-04:00", "channel": "phone", "outcome": "no_answer",
                         "contact": "(92) 98000-1111",
                         "notes": "2ª TENTATIVA DE CONTATO 05/10/2023 15:43 - Telefone e Whatsapp"}),
    ("attempt_contact", {"occurred_at": "2023-11-17T09:54:00-04:00", "channel": "whatsapp", "outcome": "message_sent",
                         "contact": "(92) 98000-1111",
                         "notes": "Bom dia,\nconforme protocolo anterior, iniciou a partir do retorno do Dr uma nova "
                                  "contagem de tentativas: 3ª TENTATIVA DE CONTATO 17/11/2023 09:54 - Whatsapp\n"
                                  "Contato pelo (92) 98000-1111, aguardando retorno."}),
    ("attempt_contact", {"occurred_at": "2023-11-22T11:57:00-04:00", "channel": "phone", "outcome": "voicemail",
                         "contact": "(92) 990001234",
                         "notes": "Liguei no telefone (92) 990001234 22/11 ás 11h57, caiu na caixa postal, "
                                  "enviado whatsapp novamente."}),
    ("offer_action", {"occurred_at": "2023-11-22T11:59:00-04:00", "code": "support",
                      "details": "Explicado o prazo de liberação de guias (24h a 48h) e os motivos de cancelamento."}),
    ("attempt_contact", {"occurred_at": "2023-11-24T10:00:00-04:00", "channel": "whatsapp", "outcome": "message_sent",
                         "contact": "92 9000-1234",
                         "notes": "[11:59, 22/11/2023] Retenção - Odontolife: Verifiquei que solicitou o desligamento "
                                  "pela demora na liberação. [...] Para seguir com o"}),
    ("offer_action", {"occurred_at": "2023-12-04T16:54:00-04:00", "code": "promotion",
                      "details": "Ofertada ação de divulgação na rede."}),
    ("attempt_contact", {"occurred_at": "2023-12-06T16:53:00-04:00", "channel": "whatsapp", "outcome": "message_sent",
                         "contact": "92 9000-1234",
                         "notes": "[16:54, 04/12/2023] Retenção - Odontolife: Gostaria de saber se o mesmo nos dará "
                                  "uma chance de melhorar a sua satisfação ou seguiremos com o seu desligamento???"}),
    ("offer_action", {"occurred_at": "2024-01-26T09:42:00-04:00", "code": "new_values",
                      "details": "Reajuste anual: o credenciamento completou um ano em 26/01/2024."}),
    ("attempt_contact", {"occurred_at": "2024-01-26T09:47:00-04:00", "channel": "whatsapp", "outcome": "reached",
                         "contact": "+55 92 9000-1234",
                         "notes": "[09:42, 26/01/2024] Retenção - Odontolife: Verifiquei que o Dr possui direito ao "
                                  "reajuste hoje, visto que hoje completou um ano ☺ --- [09:47, 26/01/2024] "
                                  "+55 92 9000-1234: Bom dia ! não."}),
    ("record_decline", {"occurred_at": "2024-01-26T09:47:00-04:00",
                        "notes": "Mesmo sendo explicado sobre as guias e liberação, informado que o mesmo possui "
                                 "direito ao reajuste e ação de divulgação, o mesmo insiste no desligamento."}),
    ("propose_conclusion", {"occurred_at": "2024-01-26T10:00:00-04:00", "outcome": "terminated",
                            "ended_on": "26/01/2024", "reasons": ["prices"],
                            "notes": "O mesmo está insistindo no desligamento devido a valores, informei que possui "
                                     "direito ao reajuste e poderia estar nos encaminhando alguns valores que cobra no "
                                     "particular para podermos analisar, dei todo suporte e explicação sobre guias e "
                                     "liberação, ofertei ação de divulgação mas o mesmo quer seguir com o desligamento!"}),
]  # fmt: skip

# Approved by a supervisor other than the proposer; the form names two reviewers.
APPROVAL: dict[str, Any] = {"occurred_at": "2024-01-26T15:00:00-04:00", "reviewers": ["Paula R. Lima", "Jorge D'Ávila"]}
