"""Alarms a market on-call acts on: anything dead-lettered, and ingest falling behind the stream."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

ITERATOR_AGE_LIMIT_MS = 60_000


class MarketAlarms(Construct):
    """DLQ depth > 0 per dead-letter queue, each stream consumer's iterator age > 60 s; to an SNS topic."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        dead_letter_queues: dict[str, sqs.IQueue],
        stream_consumers: dict[str, lambda_.IFunction],
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "AlarmTopic", master_key=key, enforce_ssl=True)
        action = actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []
        for name, queue in dead_letter_queues.items():
            metric = queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            )
            self._alarm(f"{name}NotEmpty", metric, 0, f"{name}: messages were dead-lettered", action)
        for name, function in stream_consumers.items():
            iterator_age = function.metric("IteratorAge", period=Duration.minutes(1), statistic="Maximum")
            self._alarm(
                f"{name}IteratorAge",
                iterator_age,
                ITERATOR_AGE_LIMIT_MS,
                f"{name} is over 60 s behind the stream",
                action,
            )

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        text: str,
        action: actions.SnsAction,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=text,
        )
        alarm.add_alarm_action(action)
        self.alarms.append(alarm)
