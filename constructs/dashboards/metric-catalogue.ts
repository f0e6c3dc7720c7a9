/**
 * The metric names the pinned vmalert and Alertmanager expose on /metrics (`vmalert_*` and `alertmanager_*`, as
 * the Prometheus text exposition names them: a histogram's `_bucket`, `_sum` and `_count`, a summary's base name with
 * `quantile` and its `_sum` and `_count`), read from the running binaries of constructs/core/versions.ts: vmalert
 * with alerting and recording rules, a notifier and remote write; Alertmanager with clustering on.
 * __tests__/real-binaries/dashboard-metrics.test.ts starts them and fails when a name here is not exposed. The
 * dashboards' queries may only name these (or `process_*`, which both expose). No cdk8s here.
 */

/** `vmalert_*` names of the pinned vmalert. */
export const VMALERT_METRICS: readonly string[] = [
  'vmalert_alerting_rules_errors_total', 'vmalert_alerting_rules_last_evaluation_samples',
  'vmalert_alerting_rules_last_evaluation_series_fetched', 'vmalert_alerts_fired_total', 'vmalert_alerts_firing',
  'vmalert_alerts_pending', 'vmalert_alerts_send_errors_total', 'vmalert_alerts_sent_total',
  'vmalert_config_last_reload_errors_total', 'vmalert_config_last_reload_success_timestamp_seconds',
  'vmalert_config_last_reload_successful', 'vmalert_config_last_reload_total',
  'vmalert_datasource_conn_bytes_read_total', 'vmalert_datasource_conn_bytes_written_total',
  'vmalert_datasource_conn_read_errors_total', 'vmalert_datasource_conn_reads_total',
  'vmalert_datasource_conn_write_errors_total', 'vmalert_datasource_conn_writes_total', 'vmalert_datasource_conns',
  'vmalert_datasource_dial_errors_total', 'vmalert_datasource_dials_total', 'vmalert_execution_errors_total',
  'vmalert_execution_total', 'vmalert_group_rule_results_limit', 'vmalert_iteration_duration_seconds',
  'vmalert_iteration_duration_seconds_count', 'vmalert_iteration_duration_seconds_sum',
  'vmalert_iteration_interval_seconds', 'vmalert_iteration_missed_total', 'vmalert_iteration_reset_total',
  'vmalert_iteration_total', 'vmalert_recording_rules_errors_total',
  'vmalert_recording_rules_last_evaluation_samples', 'vmalert_remotewrite_concurrency',
  'vmalert_remotewrite_dropped_rows_total', 'vmalert_remotewrite_errors_total', 'vmalert_remotewrite_queue_capacity',
  'vmalert_remotewrite_queue_size_bucket', 'vmalert_remotewrite_queue_size_count',
  'vmalert_remotewrite_queue_size_sum', 'vmalert_remotewrite_send_duration_seconds_total',
  'vmalert_remotewrite_sent_bytes_total', 'vmalert_remotewrite_sent_rows_total', 'vmalert_remotewrite_total',
];

/** `alertmanager_*` names of the pinned Alertmanager with clustering on. */
export const ALERTMANAGER_METRICS: readonly string[] = [
  'alertmanager_alerts', 'alertmanager_alerts_invalid_total', 'alertmanager_alerts_per_alert_limit',
  'alertmanager_alerts_received_total', 'alertmanager_api_connect_stream_concurrency_limit_exceeded_total',
  'alertmanager_api_connect_stream_requests_in_flight',
  'alertmanager_api_connect_unary_concurrency_limit_exceeded_total',
  'alertmanager_api_connect_unary_deadline_exceeded_total', 'alertmanager_api_connect_unary_requests_in_flight',
  'alertmanager_build_info', 'alertmanager_cluster_alive_messages_total', 'alertmanager_cluster_enabled',
  'alertmanager_cluster_failed_peers', 'alertmanager_cluster_health_score', 'alertmanager_cluster_members',
  'alertmanager_cluster_messages_pruned_total', 'alertmanager_cluster_messages_queued',
  'alertmanager_cluster_messages_received_size_total', 'alertmanager_cluster_messages_received_total',
  'alertmanager_cluster_messages_sent_size_total', 'alertmanager_cluster_messages_sent_total',
  'alertmanager_cluster_peer_info', 'alertmanager_cluster_peer_name_conflicts_total',
  'alertmanager_cluster_peers_joined_total', 'alertmanager_cluster_peers_left_total',
  'alertmanager_cluster_peers_update_total', 'alertmanager_cluster_reconnections_failed_total',
  'alertmanager_cluster_reconnections_total', 'alertmanager_cluster_refresh_join_failed_total',
  'alertmanager_cluster_refresh_join_total', 'alertmanager_config_hash',
  'alertmanager_config_last_reload_success_timestamp_seconds', 'alertmanager_config_last_reload_successful',
  'alertmanager_dispatcher_aggregation_group_creation_given_up_total',
  'alertmanager_dispatcher_aggregation_group_creation_retries_total',
  'alertmanager_dispatcher_aggregation_group_limit_reached_total', 'alertmanager_dispatcher_aggregation_groups',
  'alertmanager_dispatcher_alert_processing_duration_seconds_count',
  'alertmanager_dispatcher_alert_processing_duration_seconds_sum',
  'alertmanager_http_concurrency_limit_exceeded_total', 'alertmanager_http_requests_in_flight',
  'alertmanager_inhibition_rules', 'alertmanager_integrations', 'alertmanager_nflog_gc_duration_seconds_count',
  'alertmanager_nflog_gc_duration_seconds_sum', 'alertmanager_nflog_gossip_messages_propagated_total',
  'alertmanager_nflog_maintenance_errors_total', 'alertmanager_nflog_maintenance_total',
  'alertmanager_nflog_queries_total', 'alertmanager_nflog_query_duration_seconds_bucket',
  'alertmanager_nflog_query_duration_seconds_count', 'alertmanager_nflog_query_duration_seconds_sum',
  'alertmanager_nflog_query_errors_total', 'alertmanager_nflog_snapshot_duration_seconds_count',
  'alertmanager_nflog_snapshot_duration_seconds_sum', 'alertmanager_nflog_snapshot_size_bytes',
  'alertmanager_notification_latency_seconds_bucket', 'alertmanager_notification_latency_seconds_count',
  'alertmanager_notification_latency_seconds_sum', 'alertmanager_notification_requests_failed_total',
  'alertmanager_notification_requests_total', 'alertmanager_notifications_failed_total',
  'alertmanager_notifications_total', 'alertmanager_oversize_gossip_message_duration_seconds_bucket',
  'alertmanager_oversize_gossip_message_duration_seconds_count',
  'alertmanager_oversize_gossip_message_duration_seconds_sum', 'alertmanager_oversized_gossip_message_dropped_total',
  'alertmanager_oversized_gossip_message_failure_total', 'alertmanager_oversized_gossip_message_sent_total',
  'alertmanager_peer_position', 'alertmanager_receivers', 'alertmanager_silences',
  'alertmanager_silences_gc_duration_seconds_count', 'alertmanager_silences_gc_duration_seconds_sum',
  'alertmanager_silences_gc_errors_total', 'alertmanager_silences_gossip_messages_propagated_total',
  'alertmanager_silences_maintenance_errors_total', 'alertmanager_silences_maintenance_total',
  'alertmanager_silences_matcher_compile_errors_total', 'alertmanager_silences_matcher_index_size',
  'alertmanager_silences_queries_total', 'alertmanager_silences_query_duration_seconds_bucket',
  'alertmanager_silences_query_duration_seconds_count', 'alertmanager_silences_query_duration_seconds_sum',
  'alertmanager_silences_query_errors_total', 'alertmanager_silences_query_silences_scanned_total',
  'alertmanager_silences_query_silences_skipped_total', 'alertmanager_silences_snapshot_duration_seconds_count',
  'alertmanager_silences_snapshot_duration_seconds_sum', 'alertmanager_silences_snapshot_size_bytes',
  'alertmanager_silences_state_size', 'alertmanager_silences_version_index_size',
];
