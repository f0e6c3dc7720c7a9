"""The reference alerting stack from Python: the objects `npx cdk8s synth` (main.ts) writes with its default settings.

    pip install cdk8s-vmalert-ha      # brings cdk8s, cdk8s-plus-28 and constructs
    python examples/python/app.py     # run from the repository root: rule files come from rules/

Writes dist/alerting.k8s.yaml (CDK8S_OUTDIR overrides dist/) and dist/vmagent/scrape-configs.yml. With VMALERT_BIN
and AMTOOL_BIN set to the vmalert and amtool binaries, it then checks the chart with them (RealTools: vmalert -dryRun
with each vmalert container's own arguments, amtool check-config) and raises RuntimeError on a refusal.
"""
import os

from cdk8s import App, Chart
from cdk8s_vmalert_ha import (
    AlertmanagerCluster, AlertmanagerConfig, AlertmanagerGlobalConfig, AlertmanagerReceiver, AlertmanagerRoute,
    DeadMansSwitch, DeadMansSwitchOptions, EmailConfig, NetworkPeer, NetworkPolicySettings, RealTools, RulesConfigMap,
    ScrapeJobs, SecretKeyRef, SelfMonitoring, SelfMonitoringScrape, VmalertHa,
)

app = App()  # writes to dist/, or to $CDK8S_OUTDIR
chart = Chart(app, "alerting", namespace="monitoring")
# vmagent pods in any namespace may scrape vmalert (8880) and Alertmanager (9093).
scrapers = NetworkPolicySettings(allow_from=[NetworkPeer(namespace_labels={}, pod_labels={"app.kubernetes.io/name": "vmagent"})])

email = AlertmanagerConfig(
    global_=AlertmanagerGlobalConfig(
        smtp_smarthost="smtp.example.com:587",
        smtp_from="alertmanager@example.com",
        smtp_auth_username="alertmanager@example.com",
        smtp_auth_password=SecretKeyRef(secret_name="alertmanager-smtp", key="password"),
        smtp_require_tls=True,
    ),
    # group_wait holds a new group until a whole alert storm is in: eval delay + evaluation interval + 5 s.
    route=AlertmanagerRoute(receiver="email", group_by=["alertname", "job"], group_wait=VmalertHa.storm_safe_group_wait("1m"),
                            group_interval="5m", repeat_interval="4h"),
    receivers=[AlertmanagerReceiver(name="email", email_configs=[EmailConfig(to="oncall@example.com", send_resolved=True)])],
)
alertmanager = AlertmanagerCluster(
    chart, "alertmanager", replicas=3, network_policy=scrapers,
    config=DeadMansSwitch.add_to(email, DeadMansSwitchOptions(interval="2m"), "dead man's switch (HEARTBEAT_INTERVAL)"),
)
jobs = ScrapeJobs(vmalert="vmalert", alertmanager="alertmanager")  # the job label the scrape objects set
job_options = SelfMonitoring.job_options(vmalert=jobs.vmalert, alertmanager=jobs.alertmanager)  # rules select exactly those
rules = RulesConfigMap.from_directory(chart, "rules", "rules")
self_monitoring = RulesConfigMap.self_monitoring(
    chart, "self-monitoring", alertmanager_replicas=alertmanager.replicas,
    vmalert_job=job_options.vmalert_job, alertmanager_job=job_options.alertmanager_job, watchdog=True,
)
vmalert = VmalertHa(
    chart, "vmalert", replicas=2,
    datasource_url="http://vmselect:8481/select/0/prometheus",
    remote_write_url="http://vminsert:8480/insert/0/prometheus",
    remote_read_url="http://vmselect:8481/select/0/prometheus",
    evaluation_interval="1m", notifiers=alertmanager, rules=[rules, self_monitoring], network_policy=scrapers,
)
scrape = SelfMonitoringScrape(chart, "scrape", vmalert=vmalert, alertmanager=alertmanager, objects="VMPodScrape", jobs=jobs)

app.synth()
os.makedirs(os.path.join(app.outdir, "vmagent"), exist_ok=True)
with open(os.path.join(app.outdir, "vmagent", "scrape-configs.yml"), "w", encoding="utf-8") as out:
    out.write(scrape.vmagent_scrape_configs)

if os.environ.get("VMALERT_BIN") and os.environ.get("AMTOOL_BIN"):
    for check in RealTools.assert_accept(chart):
        print(f"accepted: {check.subject}")
