//! ECS services: how many tasks run, as the provider starts them.

mod common;

/// One service without `desired_count`, one whose count autoscaling keeps at 2 or more.
const SERVICES: &str = r#"
resource "aws_ecs_cluster" "c" {
  name = "c"
}

resource "aws_ecs_task_definition" "t" {
  family                   = "t"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 1024
  memory                   = 2048
  container_definitions    = jsonencode([{ name = "app", image = "nginx", essential = true }])
}

resource "aws_ecs_service" "idle" {
  name            = "idle"
  cluster         = aws_ecs_cluster.c.id
  task_definition = aws_ecs_task_definition.t.arn
  launch_type     = "FARGATE"
}

resource "aws_ecs_service" "scaled" {
  name            = "scaled"
  cluster         = aws_ecs_cluster.c.id
  task_definition = aws_ecs_task_definition.t.arn
  launch_type     = "FARGATE"
}

resource "aws_appautoscaling_target" "scaled" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.c.name}/${aws_ecs_service.scaled.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 2
  max_capacity       = 6
}
"#;

fn count_cell(review: &tfstack_review::Review, service: &str) -> String {
    let table = review
        .inventory
        .tables
        .iter()
        .find(|t| t.title == "ECS services")
        .expect("an ECS service table");
    let column = table
        .columns
        .iter()
        .position(|c| c == "count")
        .expect("a count column");
    let row = table
        .rows
        .iter()
        .find(|r| r.component == service)
        .expect("a row");
    row.cells[column].text.clone()
}

/// The monthly cost and descriptions of a resource's lines.
fn priced(review: &tfstack_review::Review, resource: &str) -> (f64, Vec<String>) {
    let lines: Vec<_> = review
        .estimate
        .components
        .iter()
        .flat_map(|c| &c.lines)
        .filter(|l| l.resource == resource)
        .collect();
    (
        lines.iter().map(|l| l.monthly).sum(),
        lines.iter().map(|l| l.description.clone()).collect(),
    )
}

#[test]
fn a_service_without_desired_count_runs_no_task_unless_autoscaling_starts_some() {
    let review = common::text_review(SERVICES, None);
    // The provider creates the service with a desired count of 0.
    assert_eq!(count_cell(&review, "idle"), "0 (not set)");
    let (monthly, descriptions) = priced(&review, "aws_ecs_service.idle");
    assert_eq!(monthly, 0.0, "{descriptions:?}");
    // Application Auto Scaling raises it to its minimum capacity.
    assert_eq!(
        count_cell(&review, "scaled"),
        "0 (not set); autoscaling keeps 2–6"
    );
    let (monthly, descriptions) = priced(&review, "aws_ecs_service.scaled");
    // 2 tasks × 730 h × (1 vCPU × $0.04048 + 2 GB × $0.004445).
    assert!((monthly - 72.08).abs() < 0.01, "{monthly} {descriptions:?}");
    assert!(
        descriptions.iter().all(|d| d.starts_with("2 × ")),
        "{descriptions:?}"
    );
}
