def test_home_for_anonymous(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sign in" in response.data
