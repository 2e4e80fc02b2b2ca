# Written by hand, beside the files tfstack generates: the on-call team's alarm and topic.
# `tfstack synth` never writes or removes it (its manifest never listed it);
# `tfstack lint --stack sessions --env prod`, `diff --stack`, `review --stack` and Terraform read it
# with the generated files.

resource "aws_sns_topic" "on_call" {
  name              = "sessions-prod-on-call"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_cloudwatch_metric_alarm" "create_session_errors" {
  alarm_name        = "sessions-prod-create-session-errors"
  alarm_description = "create_session failed in two consecutive minutes"
  namespace         = "AWS/Lambda"
  metric_name       = "Errors"
  dimensions = {
    FunctionName = aws_lambda_function.create_session.function_name
  }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 2
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.on_call.arn]
  ok_actions          = [aws_sns_topic.on_call.arn]
}
