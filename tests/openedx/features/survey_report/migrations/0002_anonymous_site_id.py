# As upstream: the anonymous site ID, and request_details as a 255-character field.

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('survey_report', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='SurveyReportAnonymousSiteID',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
            ],
        ),
        migrations.AlterField(
            model_name='surveyreportupload',
            name='request_details',
            field=models.CharField(blank=True, max_length=255, null=True),
        ),
    ]
