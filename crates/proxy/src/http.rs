pub async fn session(_w: &crate::worker::WorkerCx, _fe: usize, _li: usize, _c: rampart_net::Conn) {}
