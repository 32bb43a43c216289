namespace Orleans.Edge.Grains;

/// <summary>
/// Marks a store grain method that store apps may call through the store's gateway (what the
/// client SDK calls). Every other method of every grain refuses a call that comes from outside the
/// store cluster: an app cannot set a policy version, write a weight into a shelf or clear an alert
/// behind the sensor grain's checks. Calls between the cluster's own grains and services are not affected.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class StoreAppApiAttribute : Attribute;
