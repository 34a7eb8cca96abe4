// The sip-simple plugin entry; the connector type is registered once the connector lands.
export {};
