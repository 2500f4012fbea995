/// The kinds of event `analytics.sock` streams: anomalies opened or resolved, and top-skill updates.
public enum AnalyticsTopic: String, EventTopic {
    case anomaly, metrics
}
