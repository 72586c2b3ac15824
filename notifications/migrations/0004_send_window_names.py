# The unit's sending window was stored as quiet_start/quiet_end although it holds the hours messages go OUT (quiet
# hours are the time outside it); named like a member's own window (SendWindow) so the API cannot mislead.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_unconfirmed")]

    operations = [
        migrations.RenameField("smssettings", "quiet_start", "send_from"),
        migrations.RenameField("smssettings", "quiet_end", "send_until"),
    ]
