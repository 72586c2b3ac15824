"""The portal's one form-action view, as NetBox's generic views are: find the object (404 when out of the
user's scope), check the permission (403), show the form, run the service with a valid form, put a service's
ValidationError next to the fields it names, flash the success and redirect.

A page says only what differs:

    class SnoozeTask(FormActionView):
        form_class = SnoozeForm
        post_only = True                      # the form lives on the task's page
        success_message = gettext_lazy("The task was postponed.")

        def get_object(self):
            return visible_task(self.request, self.kwargs["pk"])

        def check(self, task):
            access.require_write(self.request.user, task.member.node)

        def act(self, form, task):
            return service.snooze(self.request.user, task, **form.cleaned_data)

        def success_url(self, result, task):
            return reverse("programme:task", args=[task.pk])

        def render_page(self, form, task):    # an invalid form goes back onto the task's page
            return task_page(self.request, task, snooze_form=form)
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views import View

from carehub.portal.common import show_errors


class FormActionView(LoginRequiredMixin, View):
    form_class = None
    template_name = ""
    success_message = gettext_lazy("Saved.")
    # The form is shown on another page (a task's page, a fund's page): GET is not this view's.
    post_only = False
    # Service error keys that the form names differently (see carehub.portal.common.show_errors).
    error_names: dict | None = None

    def get_object(self):
        """The object acted on, found within the user's scope (raise Http404 otherwise); None for a creation."""
        return None

    def check(self, obj) -> None:
        """Raise PermissionDenied when the user may see `obj` but not do this."""

    def get_form_kwargs(self, obj) -> dict:
        return {}

    def act(self, form, obj):
        """The service call; its result goes to `success_url`."""
        raise NotImplementedError

    def success_url(self, result, obj) -> str:
        raise NotImplementedError

    def get_success_message(self, result, obj) -> str:
        """What to flash after `act` succeeded (nothing when empty); override to name what was done."""
        return self.success_message

    def get_context(self, form, obj) -> dict:
        return {"form": form, "object": obj}

    def render_page(self, form, obj):
        return render(self.request, self.template_name, self.get_context(form, obj))

    def get(self, request, *args, **kwargs):
        if self.post_only:
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object()
        self.check(obj)
        return self.render_page(self.form_class(**self.get_form_kwargs(obj)), obj)

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        self.check(obj)  # refused before the form is judged
        form = self.form_class(request.POST, request.FILES or None, **self.get_form_kwargs(obj))
        if form.is_valid():
            try:
                result = self.act(form, obj)
            except ValidationError as exc:
                show_errors(form, exc, self.error_names)
            else:
                message = self.get_success_message(result, obj)
                if message:
                    messages.success(request, message)
                return redirect(self.success_url(result, obj))
        return self.render_page(form, obj)
