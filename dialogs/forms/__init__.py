"""Forms as data, and the one runner that asks them.

A form is a list of fields; the runner owns everything people expect of any form: the next
missing question, a clear re-ask when an answer is not understood, 戻る, スキップ, 中止,
a final confirmation with 修正, and progress saved after every answer (the caller stores the
`ConversationData` with each turn, so a restart resumes at the same question).

Button ids are `f:<seq>:<verb>[:<arg>]`; `seq` numbers the prompt that showed them, so a
button from an earlier prompt is recognised as stale instead of being acted on. A question's
answers and its navigation (skip, whole form, back, cancel) are separate lists of its
`Choices`; when the channel says which message was pressed (`DialogContext.pressed`), that
message is replaced by what was answered, so its buttons cannot be pressed twice.
"""

from dialogs.forms.model import PUT_ASIDE, Answers, Field, Form
from dialogs.forms.runner import FormRunner

__all__ = ["PUT_ASIDE", "Answers", "Field", "Form", "FormRunner"]
